"""The warm inference worker: `python -m selftune_trainer serve-inference`."""
