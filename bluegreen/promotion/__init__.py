"""Automated promotion: the judge (pure statistics), the promotion policy file and the ALB metrics reader."""
