"""Free text: word n-gram and neural language models trained from scratch, their tokenizer, row
context for text inside tables, and near-copy measures (shared by the training guard and evaluation).

Modules: ``tokenizer`` (byte-level BPE learned at fit time, stored as its JSON string), ``ngram``
(smoothed word n-gram: the baseline generator and the holdout perplexity model), ``context`` (a row's
other columns as a few discrete tokens), ``similarity`` (word 5-gram Jaccard and longest common
substring: near copies), ``lm`` (LSTM and decoder-only transformer, torch), ``models`` (one text
column's model: fit, sample given rows, state for model files).
"""
