"""A petition links to a registered person only inside the registrar's jurisdiction."""

import pytest
from django.test import Client

from fengqiao.core import crypto
from fengqiao.core.idnumbers import check_character
from fengqiao.mediation import petitions
from fengqiao.regions.models import Region
from fengqiao.registry.models import Person


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stranger(world):
    """A person of village A (village_centre's), and their ID number."""
    home = world["village_centre"].bindings.get().code
    person = Person.objects.filter(region_code__startswith=home).first()
    return person, crypto.decrypt(person.id_number_sealed)


def _other_village(world) -> Region:
    return Region.objects.get(code=world["village_centre_b"].bindings.get().code)


def test_a_stranger_outside_the_jurisdiction_is_not_linked_nor_disclosed(world, stranger):
    person, number = stranger
    registrar = world["village_centre_b"]
    assert not person.region_code.startswith(registrar.bindings.get().code)
    response = _client(registrar).post(
        "/api/v1/petitions",
        {
            "form": "visit",
            "category": "petition_land",
            "title": "反映征地补偿款未到位",
            "matter": "要求落实征地补偿款。",
            "petitioner_name": "某人",
            "id_number": number,
            "village": _other_village(world).code,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert person.name not in response.content.decode()
    petition = petitions.Petition.objects.get(case__code=response.json()["code"])
    assert petition.petitioner_id is None
    assert list(petition.case.people.all()) == []
    assert petition.petitioner_name == "某人"
    assert petition.petitioner_id_masked == number[:6] + "*" * 11 + number[-1]
    page = _client(registrar).get(f"/mediation/petitions/{petition.case.code}/")
    assert page.status_code == 200
    assert f"/registry/people/{person.pk}/" not in page.content.decode()


def test_a_person_inside_the_jurisdiction_is_linked(world, stranger):
    person, number = stranger
    petition = petitions.petition_register(
        actor=world["village_centre"],
        form="visit",
        category_code="petition_land",
        title="反映征地补偿款未到位",
        matter="要求落实征地补偿款。",
        petitioner_name="某人",
        id_number=number,
        **world["point"],
    )
    assert petition.petitioner_id == person.pk
    assert list(petition.case.people.all()) == [person]


def test_registering_twice_outside_the_jurisdiction_tells_nothing_either_way(world, stranger):
    """The same number, registered and unregistered, gives petitions that look alike."""
    _person, number = stranger
    unregistered = number[:6] + "19990101"
    unregistered += "999" if number[16] == "9" else "997"
    unregistered += check_character(unregistered)
    assert not Person.objects.filter(id_number_hash=crypto.lookup_hash(unregistered)).exists()
    made = [
        petitions.petition_register(
            actor=world["village_centre_b"],
            form="letter",
            category_code="petition_other",
            title="来信",
            matter="……",
            petitioner_name="某人",
            id_number=value,
            village=_other_village(world),
        )
        for value in (number, unregistered)
    ]
    assert [p.petitioner_id for p in made] == [None, None]
    assert [p.case.people.count() for p in made] == [0, 0]
