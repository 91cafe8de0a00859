"""Unified social credit codes (GB 32100-2015): 18 characters of a 31-character alphabet, the last a check character."""

import pytest

from kam_registry.customer.uscc import check_character, uscc_problem

from .conftest import OTHER_USCC, USCC, customer_in  # noqa: TID252


class TestAValidCode:
    @pytest.mark.parametrize("code", [USCC, OTHER_USCC, "91110108551385082Q"])
    def test_a_code_with_the_right_check_character_has_no_problem(self, code):
        assert uscc_problem(code) is None

    def test_the_check_character_is_computed_from_the_first_seventeen_characters(self):
        assert check_character(USCC[:17]) == USCC[17]


class TestAnInvalidCode:
    def test_a_wrong_check_character_is_named_with_the_expected_one(self):
        problem = uscc_problem(USCC[:17] + "4")

        assert problem == "check character is '4', expected '3'"

    @pytest.mark.parametrize(
        "code",
        [
            "91350100M000100Y4I",  # I is not in the alphabet (it would be mistaken for 1)
            "91350100O000100Y43",  # nor is O
            "91350100S000100Y43",  # nor S, V, Z
            "91350100m000100y43",  # lower case is not accepted as such
            "91350100-000100Y43",
        ],
    )
    def test_a_code_with_characters_outside_the_alphabet_is_refused(self, code):
        assert uscc_problem(code) == "may contain only digits and the letters ABCDEFGHJKLMNPQRTUWXY"

    @pytest.mark.parametrize("code", ["", USCC[:17], USCC + "0", "9135010"])
    def test_a_code_that_is_not_eighteen_characters_long_is_refused(self, code):
        assert uscc_problem(code) == "must be 18 characters"


class TestRegisteringWithACode:
    async def test_a_customer_with_a_wrong_check_character_is_refused_naming_the_uscc_field(self, client):
        response = await client.post("/v1/customers", json=customer_in(uscc=USCC[:17] + "4"))

        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [error["field"] for error in errors] == ["uscc"]
        assert "check character" in errors[0]["reason"]

    @pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100O000100Y43"])
    async def test_a_customer_with_a_malformed_code_is_refused_naming_the_uscc_field(self, client, code):
        response = await client.post("/v1/customers", json=customer_in(uscc=code))

        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == ["uscc"]

    async def test_a_code_typed_in_lower_case_is_stored_in_upper_case(self, client):
        response = await client.post("/v1/customers", json=customer_in(uscc=f" {USCC.lower()} "))

        assert response.status_code == 201, response.text
        assert response.json()["uscc"] == USCC

    async def test_a_customer_without_a_code_can_be_registered(self, client):
        response = await client.post("/v1/customers", json=customer_in(uscc=None))

        assert response.status_code == 201, response.text
        assert response.json()["uscc"] is None
