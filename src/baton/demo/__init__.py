"""The demo: a small FAQ bot with a real confidence score and a customer chat page at `/demo`."""
