"""UK phone numbers, stored as E.164 and shown in the national format.

django-phonenumber-field with one addition: the number ranges Ofcom reserves for drama and
testing (07700 900xxx, 01632 960xxx, 020 7946 0xxx ...) count as valid. libphonenumber refuses
them, but they are exactly what demo and training data must use, so that no real person's number
is ever rung by mistake.
"""

from django.core.exceptions import ValidationError
from phonenumber_field import formfields, modelfields
from phonenumber_field.phonenumber import PhoneNumber, to_python

# National significant numbers (no leading 0) that Ofcom keeps for fiction; each range is 10 digits.
OFCOM_DRAMA_PREFIXES = (
    "7700900", "1632960", "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960",
    "1314960", "1414960", "1514960", "1614960", "1914980", "2079460", "2896496", "2920180", "8081570", "9098790",
)


class UKPhoneNumber(PhoneNumber):
    def is_valid(self):
        if super().is_valid():
            return True
        nsn = str(self.national_number)
        return self.country_code == 44 and len(nsn) == 10 and nsn.startswith(OFCOM_DRAMA_PREFIXES)


def to_uk_phone(value, region="GB"):
    number = to_python(value, region=region)
    if isinstance(number, PhoneNumber) and not isinstance(number, UKPhoneNumber):
        number.__class__ = UKPhoneNumber
    return number


def validate_uk_phone(value):
    number = to_uk_phone(value)
    if isinstance(number, PhoneNumber) and not number.is_valid():
        raise ValidationError("Enter a UK phone number such as 07700 900123 or 01604 496000.", code="invalid")


class UKPhoneNumberFormField(formfields.PhoneNumberField):
    default_validators = [validate_uk_phone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("region", "GB")
        super().__init__(*args, **kwargs)
        self.error_messages["invalid"] = "Enter a UK phone number such as 07700 900123 or 01604 496000."

    def to_python(self, value):
        number = super().to_python(value)
        if isinstance(number, PhoneNumber) and not isinstance(number, UKPhoneNumber):
            number.__class__ = UKPhoneNumber
        return number


class UKPhoneNumberField(modelfields.PhoneNumberField):
    attr_class = UKPhoneNumber
    default_validators = [validate_uk_phone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("region", "GB")
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return to_uk_phone(value, region=self.region)

    def from_db_value(self, value, expression, connection):
        return to_uk_phone(value, region=self.region)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", UKPhoneNumberFormField)
        return super().formfield(**kwargs)
