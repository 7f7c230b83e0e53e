"""The emotion model shipped with the package (written by `make train-emotion`)."""
