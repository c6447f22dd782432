"""Failures that end a run with a `failed` event carrying a machine-readable code."""


class TrainerError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message
