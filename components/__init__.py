"""Pulumi components of the eks-bluegreen stack, one per file."""
