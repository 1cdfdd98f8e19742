from django import forms


class InvitationSignupForm(forms.Form):
    def signup(self, request, user):
        pass
