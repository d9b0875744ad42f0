"""Business operations. They take a session and plain values, never import Flask, never commit."""


class ServiceError(Exception):
    """A refused operation. `code` names the reason; views turn it into a message in the user's
    language, the API into `{"error": code}`. `params` fill the message. Not a ValueError: a
    view that catches a bad number of its own must never hide the service's reason."""

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def wait_s(self, default: int) -> int:
        """The seconds to wait that a refusal of too many attempts carries (`seconds`)."""
        seconds = self.params.get("seconds")
        return seconds if isinstance(seconds, int) else default
