"""The model board: registered model versions and how often their recommendations are taken up."""
