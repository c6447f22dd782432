"""selftune training worker: fine-tunes Hugging Face causal LMs for the selftune server."""
