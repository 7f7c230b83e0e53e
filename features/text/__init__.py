"""Text features for dispatch: normalisation, masking, jieba tokenisation with a domain dictionary.

Import from the modules (``features.text.tokenize.tokenize``): re-exporting the functions here would
shadow the modules of the same name.
"""
