"""What changes between generations: the spec diff, its history in git, releases (versions and
CHANGELOG), the CI gate and ``update-spec``."""
