"""Every error the API answers reads in Chinese too: a payload's `messageZh`, a
GraphQL error's `extensions.messageZh`. A site's own Chinese text when it has one,
else the generic sentence of the code followed by the English message."""

from __future__ import annotations

from graphql import GraphQLError

from perfloop.api.core.errors import ErrorPolicy, with_message_zh
from perfloop.services.core.errors import ErrorCode, Forbidden, ServiceError, UserError
from support import GraphQLClient

SIGN = """mutation($s: [SignatureInput!]!) {
  signScorecards(signatures: $s) { scorecards { id } errors { code message messageZh path } }
}"""


async def test_a_payload_error_carries_its_own_chinese_message(gql: GraphQLClient) -> None:
    # when a manager signs no plan at all
    data = await gql.ok(SIGN, {"s": []}, as_user="hr")
    # then the refusal reads in both languages, the Chinese one written for it
    [error] = data["signScorecards"]["errors"]
    assert error["message"] == "name at least one plan to sign"
    assert error["messageZh"] == "请至少选择一份要签署的计划"
    assert error["path"] == ["signatures"]


async def test_a_payload_error_without_chinese_text_gets_the_generic_one(
    gql: GraphQLClient,
) -> None:
    # when a manager signs a plan that does not exist (a site with no Chinese text)
    data = await gql.ok(SIGN, {"s": [{"scorecard": "0", "expectedRevision": 1}]}, as_user="hr")
    [error] = data["signScorecards"]["errors"]
    # then its Chinese message is the code's sentence followed by the English message
    assert error["code"] == "NOT_FOUND"
    assert error["messageZh"] == f"未找到或无权查看：{error['message']}"


async def test_a_top_level_error_carries_message_zh(gql: GraphQLClient) -> None:
    # when a query fails with a service error (an unknown template kind)
    body = await gql.raw('{ templates(kind: "no-such-kind") { totalCount } }', as_user="hr")
    [error] = body["errors"]
    # then extensions carry the Chinese message beside the code
    assert error["extensions"]["code"] == "INVALID"
    assert error["extensions"]["messageZh"].startswith("输入无效：")
    assert error["message"] in error["extensions"]["messageZh"]


async def test_a_refused_document_and_a_refused_field_read_in_chinese(gql: GraphQLClient) -> None:
    # a document that does not parse, and a field the caller may not read
    broken = await gql.raw("{ me { ", as_user="hr")
    refused = await gql.raw("{ auditLog(first: 1) { totalCount } }", as_user="employee")
    # then both carry a Chinese message too
    assert broken["errors"][0]["extensions"]["messageZh"].startswith("请求无法解析：")
    assert refused["errors"][0]["extensions"]["messageZh"].startswith("无权执行此操作")


def test_the_generic_chinese_message_leads_with_the_code() -> None:
    conflict = UserError(ErrorCode.CONFLICT, "the plan changed", ("expectedRevision",))
    assert conflict.zh == "与当前数据冲突，请刷新后重试：the plan changed"
    explicit = ServiceError.one(ErrorCode.INVALID, "bad", ("x",), zh="不对").errors[0]
    assert (explicit.message_zh, explicit.zh) == ("不对", "不对")
    assert Forbidden("you may not").errors[0].zh == "无权执行此操作：you may not"
    assert Forbidden().errors[0].zh == "未找到，或无权执行此操作"


def test_a_masked_internal_error_reads_in_chinese_too() -> None:
    raw = GraphQLError("Cannot return null for non-nullable field Query.me.", path=["me"])
    answered = ErrorPolicy._process(raw)
    # the policy's own step adds the Chinese text on the way out
    assert with_message_zh(answered).extensions == {
        "code": "INTERNAL",
        "messageZh": "系统内部错误：Unexpected error.",
    }
