from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from portal import uploads as portal_uploads
from portal.properties.models import Community

from . import uploads
from .models import Category, GroupBuy, Merchant, Product, Variant


class ApplicationForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities you will serve"),
        queryset=Community.objects.select_related("office").order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Merchant
        fields = [
            "name",
            "legal_name",
            "licence_number",
            "licence",
            "contact_name",
            "phone",
            "address",
            "description",
            "offers_delivery",
            "offers_pickup",
            "pickup_point",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"licence": _("A PDF or a photo, at most 5 MB.")}

    def clean_licence(self):
        licence = self.cleaned_data["licence"]
        uploads.validate_licence(licence)
        portal_uploads.check(licence, ["image", "pdf"], max_bytes=uploads.MAX_UPLOAD_BYTES)
        return licence

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "category", "description", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = merchant.categories.all()


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["name", "price", "stock", "special_price", "special_month", "active"]
        widgets = {"special_month": forms.DateInput(attrs={"type": "date"})}

    def clean_stock(self):
        stock = self.cleaned_data["stock"]
        if stock is not None and stock < 0:
            raise forms.ValidationError(_("Stock cannot be negative."))
        return stock

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price <= 0:
            raise forms.ValidationError(_("The price must be more than zero."))
        return price

    def clean_special_month(self):
        month = self.cleaned_data.get("special_month")
        return month.replace(day=1) if month else month


VariantFormSet = inlineformset_factory(
    Product, Variant, form=VariantForm, extra=1, can_delete=False, min_num=1, validate_min=True
)


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Add a photo"), help_text=_("JPEG, PNG or WebP, at most 5 MB."))

    def clean_image(self):
        image = self.cleaned_data["image"]
        uploads.validate_photo(image)
        portal_uploads.check(image, ["image"], max_bytes=uploads.MAX_UPLOAD_BYTES)
        return image


class GroupBuyForm(forms.ModelForm):
    class Meta:
        model = GroupBuy
        fields = ["variant", "title", "description", "price", "min_households", "deadline"]
        widgets = {
            "deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = Variant.objects.filter(product__merchant=merchant).select_related("product")


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(n, "★" * n) for n in range(5, 0, -1)], coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
