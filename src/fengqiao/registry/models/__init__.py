"""The registry of people, households, dwellings, household groups, organisations and things.

Every table carries `region_code`: the code of the smallest grid (or, if unlocated,
the village) the row lies in, so jurisdiction is one prefix match.
ID and phone numbers are stored encrypted (`*_sealed`) with a keyed hash (`*_hash`)
for exact lookup and a masked form for lists; see fengqiao.core.crypto.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role, has_role
from fengqiao.core.visibility import PlacedQuerySet, PlacedRow
from fengqiao.regions.models import Grid, Region

CODE_LEN = 24


class PersonQuerySet(PlacedQuerySet):
    def visible_to(self, actor) -> "PersonQuerySet":
        """Staff: the people inside their jurisdiction; a resident: their own record."""
        if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
            return self.filter(pk=actor.person_id) if actor.person_id else self.none()
        return super().visible_to(actor)


class HouseholdQuerySet(PlacedQuerySet):
    def visible_to(self, actor) -> "HouseholdQuerySet":
        """Staff: the households inside their jurisdiction; a resident: their own household."""
        if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
            household_id = getattr(getattr(actor, "person", None), "household_id", None)
            return self.filter(pk=household_id) if household_id else self.none()
        return super().visible_to(actor)


# Correction requests are handled by centre staff and administrators of the person's area.


class Located(PlacedRow, models.Model):
    """Fields shared by everything that sits at a point inside a grid."""

    region_code = models.CharField(_("jurisdiction code"), max_length=CODE_LEN, db_index=True)
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village / community")
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("grid"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)

    objects = PlacedQuerySet.as_manager()

    class Meta:
        abstract = True


class Dwelling(Located):
    class Use(models.TextChoices):
        OWNER = "owner", _("Owner-occupied")
        RENTED = "rented", _("Rented out")
        VACANT = "vacant", _("Vacant")
        BUSINESS = "business", _("Business use")
        MIXED = "mixed", _("Mixed use")

    class BuildingType(models.TextChoices):
        HOUSE = "house", _("Self-built house")
        APARTMENT = "apartment", _("Apartment")
        BUNGALOW = "bungalow", _("Bungalow")
        OTHER = "other", _("Other")

    code = models.CharField(_("dwelling code"), max_length=40, unique=True)
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.OWNER)
    building_type = models.CharField(
        _("building type"),
        max_length=16,
        choices=BuildingType.choices,
        default=BuildingType.HOUSE,
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    owner_name = models.CharField(_("owner"), max_length=50, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")

    def __str__(self) -> str:
        return self.address or self.code


class HouseholdGroup(PlacedRow, models.Model):
    """联户: 5–50 neighbouring households with an elected head and deputies.

    It lives in the registry, not in regions, because its head and members are
    registry records and regions must not import upward.
    """

    MIN_HOUSEHOLDS = 5
    MAX_HOUSEHOLDS = 50

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="household_groups")
    head = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("group head"),
    )
    deputies = models.ManyToManyField(
        "Person", blank=True, related_name="+", verbose_name=_("deputy heads")
    )

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("household group")
        verbose_name_plural = _("household groups")

    def __str__(self) -> str:
        return self.name


class Household(PlacedRow, models.Model):
    number = models.CharField(_("household number"), max_length=40)
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("dwelling"),
    )
    group = models.ForeignKey(
        HouseholdGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("household group"),
    )
    head = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("head of household"),
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        # A constraint, not unique=True: on PostgreSQL the field option also builds a
        # varchar_pattern_ops index for LIKE, which nothing here needs (see Person).
        constraints = [models.UniqueConstraint(fields=["number"], name="unique_household_number")]

    def __str__(self) -> str:
        return self.number

    def is_visible_to(self, actor) -> bool:
        if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
            person = getattr(actor, "person", None)
            return bool(person) and person.household_id == self.pk
        return super().is_visible_to(actor)


class Person(PlacedRow, models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Residence(models.TextChoices):
        REGISTERED = "registered", _("Registered resident")
        FLOATING = "floating", _("Floating population")
        OVERSEAS = "overseas", _("Overseas")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Child-in-law")
        OTHER = "other", _("Other relative")
        TENANT = "tenant", _("Tenant")

    name = models.CharField(_("name"), max_length=50)
    id_number_sealed = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # Only the year is kept in clear (statistics, age-based tags); the full date is sealed,
    # since with the masked ID number and sex it would narrow the number to a few candidates.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    birth_date_sealed = models.TextField(blank=True, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    residence = models.CharField(
        _("residence status"),
        max_length=16,
        choices=Residence.choices,
        default=Residence.REGISTERED,
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
    )
    relation = models.CharField(
        _("relation to head"), max_length=16, choices=Relation.choices, blank=True
    )
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
        verbose_name=_("dwelling"),
    )
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    tags = models.ManyToManyField("PersonTag", through="PersonTagging", related_name="people")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # Indexes and a constraint rather than db_index/unique on the fields: on PostgreSQL
        # those also build a varchar_pattern_ops ("_like") index per field for LIKE 'x%', and
        # nothing searches names or hashes by prefix (names by icontains, hashes exactly).
        # Each such index costs every insert, and the registry import most of all (P1).
        # region_code keeps db_index: jurisdiction scoping is a prefix search.
        indexes = [
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(fields=["phone_hash"], name="person_phone_hash_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="unique_person_id_number_hash")
        ]

    def __str__(self) -> str:
        return self.name

    def is_visible_to(self, actor) -> bool:
        if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
            return bool(actor.person_id) and actor.person_id == self.pk
        return super().is_visible_to(actor)


class PersonTag(models.Model):
    """A kind of special group (空巢老人, 留守儿童, 低保, …); sensitive ones are sealed."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    is_sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering = ["is_sensitive", "code"]
        verbose_name = _("person tag")
        verbose_name_plural = _("person tags")

    def __str__(self) -> str:
        return self.name


class PersonTagging(PlacedRow, models.Model):
    """A tag on a person. For sensitive tags the tag is sealed: `tag` is NULL and only the
    ciphertext and a keyed hash are stored. The hash is keyed per person (person id + tag
    code, see registry.sealing.tag_hash), so equal hashes never group people by tag."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="taggings")
    tag = models.ForeignKey(PersonTag, null=True, blank=True, on_delete=models.PROTECT)
    tag_sealed = models.TextField(blank=True)
    tag_hash = models.CharField(max_length=64, db_index=True)
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    since = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = PlacedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "tag_hash"], name="unique_person_tag"),
            models.CheckConstraint(
                condition=(
                    Q(tag__isnull=False, tag_sealed="") | Q(tag__isnull=True) & ~Q(tag_sealed="")
                ),
                name="tagging_plain_xor_sealed",
            ),
        ]

    def __str__(self) -> str:
        # Never the tag itself: a sensitive tag must not leak through a repr or a log line.
        return f"tagging {self.pk} of person {self.person_id}"


class Organization(Located):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        SOLE_TRADER = "sole_trader", _("Individual business")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital / clinic")
        GOVERNMENT = "government", _("Government body")
        SOCIAL = "social", _("Social organisation")
        RELIGIOUS = "religious", _("Religious venue")
        COOPERATIVE = "cooperative", _("Cooperative")

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    # Sealed like a person's phone: ciphertext, keyed hash, masked form (registry.sealing).
    contact_phone_sealed = models.TextField(blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    contact_phone_masked = models.CharField(
        _("contact phone"), max_length=20, blank=True, editable=False
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Place(Located):
    """A key place (重点场所): markets, hotels, internet cafés, construction sites, …"""

    class Kind(models.TextChoices):
        MARKET = "market", _("Market")
        HOTEL = "hotel", _("Hotel")
        INTERNET_CAFE = "internet_cafe", _("Internet café")
        SCHOOL = "school", _("School")
        CONSTRUCTION = "construction", _("Construction site")
        ENTERTAINMENT = "entertainment", _("Entertainment venue")
        RESERVOIR = "reservoir", _("Reservoir / pond")
        SQUARE = "square", _("Square / park")
        OTHER = "other", _("Other")

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    risk = models.CharField(_("risk level"), max_length=8, choices=Risk.choices, default=Risk.LOW)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="places"
    )

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name


class Facility(Located):
    """A fixed asset (部件): camera points, hydrants, street lights, manhole covers, …"""

    class Kind(models.TextChoices):
        CAMERA = "camera", _("Camera point")
        HYDRANT = "hydrant", _("Fire hydrant")
        STREETLIGHT = "streetlight", _("Street light")
        MANHOLE = "manhole", _("Manhole cover")
        AED = "aed", _("AED")
        BROADCAST = "broadcast", _("Emergency broadcast")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        WORKING = "working", _("Working")
        FAULTY = "faulty", _("Faulty")
        REMOVED = "removed", _("Removed")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WORKING
    )

    class Meta:
        ordering = ["region_code", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# Import jobs and correction requests have modules of their own; importing them here
# registers them with the app and keeps `fengqiao.registry.models` the one import path.
from fengqiao.registry.models.corrections import CorrectionRequest  # noqa: E402
from fengqiao.registry.models.imports import ImportJob, ImportRowError  # noqa: E402

__all__ = [
    "CODE_LEN",
    "CorrectionRequest",
    "Dwelling",
    "Facility",
    "Household",
    "HouseholdGroup",
    "ImportJob",
    "ImportRowError",
    "Located",
    "Organization",
    "Person",
    "PersonTag",
    "PersonTagging",
    "Place",
]
