from .public import comment_form, comment_post, comment_write, csrf_failure

__all__ = ["comment_form", "comment_post", "comment_write", "csrf_failure"]
