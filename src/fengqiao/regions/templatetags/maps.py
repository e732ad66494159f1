"""`{% map_config %}`: what every map page's scripts read (tile layers, the base-map and
gazetteer endpoints, the words they show), as a JSON script element."""

from django import template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.translation import gettext as _

from fengqiao.regions.tiles import tile_layers

register = template.Library()


@register.simple_tag
def map_config():
    config = {
        "layers": tile_layers(),
        "basemap": reverse("api-v1:basemap"),
        "gazetteer": reverse("api-v1:gazetteer"),
        "words": {"none": _("Nothing found."), "failed": _("Search failed: %(error)s")},
    }
    return json_script(config, "fq-map-config")
