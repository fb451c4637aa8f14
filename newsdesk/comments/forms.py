from django import forms

from .models import Comment


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["name", "email", "body"]
        labels = {"name": "Name", "email": "Email", "body": "Comment"}
        widgets = {"body": forms.Textarea(attrs={"rows": 5, "maxlength": 5000})}
