"""The studio (`genecator serve`): a local web app over the same run code."""
