"""Evaluate: a prompt set across columns, judged pairwise by an LLM judge in both orders, with honest uncertainty."""
