"""`python -m logdoctor`: the same entry point as the console script."""

from logdoctor.cli import main

main()
