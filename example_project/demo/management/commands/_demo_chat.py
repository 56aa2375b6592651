"""Demo content of the chat app (rooms and a few messages)."""


def load(people, stdout):
    return None
