"""Operations generated from the committed schema.graphql never get a server error.

hypothesis-graphql writes queries and mutations over the whole schema, valid
ones and ones with one schema violation, some nullable arguments left out and some
others sent as variables (``support/fuzz.py``). Each is sent with a valid token of a role: queries
as the demo company's people (they read only), mutations as the people of a
fresh tenant of this test, so the demo data other tests read is never changed.
Whatever the operation, the answer is data or typed errors: never an HTTP 5xx,
an INTERNAL, or an error without ``extensions.code``.

The run is derandomized (the same operations on every run, so CI is stable)
and bounded; ``bench/fuzz.py`` sends a few thousand and prints the counts.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from perfloop.authz import Role
from perfloop.demo import DEMO_DOMAIN
from perfloop.services.identity import assign_roles
from perfloop.store.identity import UserAccount
from support import GraphQLClient
from support.company import Company
from support.fuzz import ROLE_USERS, Operation, any_operation, read_answer

#: The writers of the fresh tenant, by role (support.company.PEOPLE; "other"
#: is made an admin below).
WRITERS = {"hr": "hr", "admin": "other", "manager": "lead", "employee": "emp", "exec": "exec"}
EXAMPLES = 500


@pytest.fixture
async def writers(
    company: Company, sessions: async_sessionmaker[AsyncSession], gql: GraphQLClient
) -> dict[str, str]:
    """A bearer token per role: mutations go to the fresh tenant."""
    async with sessions() as session:
        account = (
            await session.execute(
                select(UserAccount).where(UserAccount.email == company.email("other"))
            )
        ).scalar_one()
        await assign_roles(session, account.tenant_id, account.id, [Role.ADMIN])
        await session.commit()
    return {
        role: gql.token(company.email(handle), tenant=company.slug)
        for role, handle in WRITERS.items()
    }


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(role=st.sampled_from(sorted(ROLE_USERS)), operation=any_operation())
async def test_no_generated_operation_gets_a_server_error(
    gql: GraphQLClient, writers: dict[str, str], role: str, operation: Operation
) -> None:
    document, variables = operation
    # given an operation over the schema and a valid token of the role
    if document.lstrip().startswith("mutation"):
        token = writers[role]
    else:
        token = gql.token(f"{ROLE_USERS[role]}@{DEMO_DOMAIN}")
    # when it is sent
    response = await gql.http.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    # then the answer is data or typed errors, never a bug
    answer = read_answer(response.status_code, response.text)
    assert not answer.broken, (role, answer)
