"""The fields an import fills, and the column headers that name them: the field names themselves, and the
headers Chinese registers (大客户情况登记表: 客户名称, 统一社会信用代码, 所属分公司, 账号 ...) and old CRM
exports use."""

import re
import unicodedata

# Every field a row may fill, in the order a report lists them.
FIELDS: tuple[str, ...] = (
    "external_id",
    "full_name",
    "short_name",
    "uscc",
    "industry",
    "branch",
    "county",
    "address",
    "postcode",
    "important",
    "potential",
    "agreement_signed_on",
    "agreement_expires_on",
    "account_no",
    "account_effective_from",
    "manager_a",
    "manager_b",
    "key_person_name",
    "key_person_role",
    "key_person_title",
    "key_person_phone",
    "key_person_email",
)

# Headers recognised besides the field names, compared after folding (width, case, spaces and punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "外部编号",
        "客户编号",
        "客户代码",
        "原系统编号",
        "external id",
        "crm id",
        "customer no",
        "customer code",
    ),
    "full_name": ("客户名称", "客户全称", "单位名称", "企业名称", "公司名称", "name", "customer name", "company name"),
    "short_name": ("客户简称", "简称", "short name"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "unified social credit code"),
    "industry": ("行业", "所属行业", "行业类别"),
    "branch": ("所属分公司", "分公司", "所属支局", "责任单位", "所属单位", "归属单位", "branch code"),
    "county": ("区县", "所属区县", "县区", "区域", "district"),
    "address": ("地址", "客户地址", "单位地址", "详细地址"),
    "postcode": ("邮编", "邮政编码", "postal code", "zip"),
    "important": ("重要客户", "是否重要客户"),
    "potential": ("潜在客户", "是否潜在客户"),
    "agreement_signed_on": ("协议签订日期", "签约日期", "合同签订日期", "协议签订时间", "agreement signed"),
    "agreement_expires_on": ("协议到期日期", "协议截止日期", "合同到期日期", "到期日期", "agreement expires"),
    "account_no": ("账号", "结算账号", "协议账号", "客户账号", "大客户账号", "billing account", "account"),
    "account_effective_from": ("账号生效日期", "启用日期", "生效日期"),
    "manager_a": ("客户经理a", "a角", "a角客户经理", "主客户经理", "客户经理"),
    "manager_b": ("客户经理b", "b角", "b角客户经理", "副客户经理"),
    "key_person_name": ("关键人", "关键联系人", "联系人", "联系人姓名", "key person"),
    "key_person_role": ("关键人角色", "决策角色", "key person role"),
    "key_person_title": ("职务", "联系人职务", "key person title"),
    "key_person_phone": ("联系电话", "电话", "手机", "联系人电话", "phone"),
    "key_person_email": ("邮箱", "电子邮箱", "email", "e-mail"),
}

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def fold(header: str) -> str:
    """A header as it is compared: width-folded, case-folded, without spaces and punctuation (and the
    `*` that marks a required column)."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", header)).casefold()


_KNOWN: dict[str, str] = {fold(field): field for field in FIELDS}
for _field, _aliases in ALIASES.items():
    for _alias in _aliases:
        _KNOWN.setdefault(fold(_alias), _field)


def field_of(header: str, mapping: dict[str, str]) -> str | None:
    """The field a header fills: the caller's mapping first (by the header as written or folded), then the
    names every import knows; None for a column the import leaves alone."""
    if header in mapping:
        return mapping[header]
    folded = fold(header)
    for written, field in mapping.items():
        if fold(written) == folded:
            return field
    return _KNOWN.get(folded)
