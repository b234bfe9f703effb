"""eks-bluegreen operator tools and the pure logic behind the Pulumi program."""
