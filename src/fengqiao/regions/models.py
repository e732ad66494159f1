"""Regions (administrative divisions) and the grid tree under each village."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core import divisions
from fengqiao.core.roles import Role
from fengqiao.core.visibility import PlacedQuerySet, PlacedRow


class MapQuerySet(PlacedQuerySet):
    """Rows any signed-in user sees inside their jurisdiction (`visible_to`), and the public map
    (`on_map_of`): staff see their jurisdiction on it, residents, who report wherever they see
    something, see its public layers everywhere."""

    read_roles = None

    def on_map_of(self, actor):
        if getattr(actor, "role", None) == Role.RESIDENT and actor.is_active:
            return self
        return self.visible_to(actor)


class CodeQuerySet(MapQuerySet):
    """Regions and grids are placed by their own code."""

    scope_field = "code"


class Boxed(models.Model):
    """The bounding box of a geometry, so a map view finds its rows with indexed ranges."""

    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Region(PlacedRow, Boxed):
    """A division from province down to village/community, keyed by its 12-digit code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village / community")

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        SUBDISTRICT = "subdistrict", _("Sub-district")
        TOWN = "town", _("Town")
        TOWNSHIP = "township", _("Township")
        COMMUNITY = "community", _("Community")
        VILLAGE = "village", _("Village")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """Code prefix shared by everything inside this region."""
        return divisions.prefix_of(self.code)

    @property
    def region_code(self) -> str:
        return self.code


class Grid(PlacedRow, Boxed):
    """A grid or micro-grid: a polygon inside one village, coded village code + serial."""

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
        DEDICATED = "dedicated", _("Dedicated grid")
        MICRO = "micro", _("Micro-grid")

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chief_of_grids",
        verbose_name=_("grid chief"),
    )
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="worker_of_grids",
        verbose_name=_("grid workers"),
    )

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def region_code(self) -> str:
        return self.code


class Road(PlacedRow, Boxed):
    """A named street or path inside one village, as a GeoJSON LineString or MultiLineString; a
    street through several villages is one row per village, so it is scoped like them."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    region_code = models.CharField(_("jurisdiction code"), max_length=24, db_index=True)
    geometry = models.JSONField(_("geometry (GeoJSON)"))

    objects = MapQuerySet.as_manager()

    class Meta:
        ordering = ["name", "region_code"]
        indexes = [models.Index(fields=["min_lng", "min_lat"], name="road_box")]
        verbose_name = _("road")
        verbose_name_plural = _("roads")

    def __str__(self) -> str:
        return self.name


class GazetteerQuerySet(MapQuerySet):
    def on_map_of(self, actor):
        """Residents find the public kinds only: no dwelling, place or organisation."""
        found = super().on_map_of(actor)
        if getattr(actor, "role", None) == Role.RESIDENT:
            found = found.filter(kind__in=GazetteerEntry.PUBLIC_KINDS)
        return found


class GazetteerEntry(PlacedRow, models.Model):
    """One searchable name at a point: a region, grid, road, dwelling (address only), place or
    organisation. Rebuilt per village from the source rows (regions.gazetteer)."""

    class Kind(models.TextChoices):
        REGION = "region", _("Area")
        GRID = "grid", _("Grid")
        ROAD = "road", _("Road")
        JUNCTION = "junction", _("Junction")
        DWELLING = "dwelling", _("Dwelling")
        PLACE = "place", _("Place")
        ORGANIZATION = "organization", _("Organisation")

    PUBLIC_KINDS = (Kind.REGION, Kind.GRID, Kind.ROAD)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ref = models.CharField(_("reference"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    area = models.CharField(_("where"), max_length=200, blank=True)
    # Search keys: the name normalised (NFKC, lower case, no spaces or punctuation) and the
    # pinyin initials of that key (建设路 → jsl), matched with indexed prefix LIKE first.
    key = models.CharField(max_length=200, db_index=True)
    initials = models.CharField(max_length=200, db_index=True)
    region_code = models.CharField(_("jurisdiction code"), max_length=24, db_index=True)
    lat = models.FloatField()
    lng = models.FloatField()

    objects = GazetteerQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="gazetteer_kind_ref")]
        indexes = [models.Index(fields=["lng", "lat"], name="gazetteer_point")]
        verbose_name = _("gazetteer entry")
        verbose_name_plural = _("gazetteer entries")

    def __str__(self) -> str:
        return self.name


class GazetteerStale(models.Model):
    """A village (or larger area) whose gazetteer entries wait for the refresh sweep."""

    code = models.CharField(max_length=24, unique=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code
