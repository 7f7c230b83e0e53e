"""Package data: stopwords.txt and userdict.txt."""
