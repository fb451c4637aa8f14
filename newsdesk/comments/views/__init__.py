from .public import comment_block_context, comment_post, csrf_failure

__all__ = ["comment_block_context", "comment_post", "csrf_failure"]
