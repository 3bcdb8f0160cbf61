"""Believable demo leads on top of `seed_demo`'s organisation: sources and campaigns with
spend, lost reasons, the lead pools, assignment rules and about eighty leads in every state of
their life: just in and due soon, overdue for first contact, worked with a next step ahead or
missed, qualified, won, lost, recycled to a pool, and a few duplicates. Then the quality
department's side: its settings and dispute caps, a scorecard, disputes by reps and marketing
(ruled, one ruling corrected, one overdue, others due soon), the daily sample of the last days,
and inspections of the last working days, scored or waiting.

Everything goes through the leads services with an explicit `now`, in the order it would have
happened over the past ten days, so that deadlines, owners and histories are consistent. The
rows those services write with the current time (assignments, follow-ups, notifications, the
leads themselves, disputes, rulings, inspections) are then dated back to the simulated moment,
so that timelines read right. The audit trail keeps the real time of the seed.

Safe to run again: when the demo leads exist the command says so and changes nothing.
`make run` calls it once, after `seed_demo`.
"""

import datetime
import logging
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F
from django.test.utils import override_settings
from django.utils import timezone

from coordination.celery import app as celery_app
from coordination.core.notifications.models import Notification
from coordination.core.org.calendar import (
    CalendarSpec,
    business_time_add,
    calendar_spec_for,
    is_business_time,
    next_business_moment,
)
from coordination.core.org.models import Department, DepartmentKind, Role, Team, User
from coordination.core.org.selectors import user_is_available
from leads.models import (
    OPEN_STATUSES,
    AnswerType,
    Assignment,
    AssignmentRule,
    Campaign,
    Channel,
    ContactChannel,
    Criterion,
    Dispute,
    DisputeCap,
    DisputeGround,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Inspection,
    InspectionStatus,
    Lead,
    LeadPool,
    LeadSettings,
    LeadStatus,
    LostReason,
    OnExhausted,
    Outcome,
    QualitySettings,
    Ruling,
    Scorecard,
    Source,
    Strategy,
    Verdict,
)
from leads.permissions import can_correct_ruling, can_inspect, can_rule, is_marketing
from leads.selectors import deadline_expression
from leads.services import (
    catalog_save,
    dispute_open,
    dispute_rule,
    disputes_escalate_overdue,
    follow_up_create,
    inspection_score,
    inspections_draw,
    lead_assign_auto,
    lead_bulk_create,
    lead_lose,
    lead_qualify,
    lead_win,
    leads_sample_for_adjudication,
    rule_save,
    ruling_correct,
)

EXTERNAL_PREFIX = "demo-"
SEED = 20251111  # the same demo every time, relative to the day it is seeded
CURRENCY = "CNY"
LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"
QUIET_LOGGERS = ("celery.app.trace", "kombu.connection")

SALES_DEPARTMENT = "销售部"
EAST, SOUTH, NORTH = "华东组", "华南组", "华北组"
# People of seed_demo this command relies on by name.
REQUIRED_USERNAMES = ("wangfang", "yanglei", "liqiang", "huangyong", "zhoujie", "wuting")
# They get the overdue leads a demo of "My leads" should show.
SHOWCASE_USERNAMES = ("yanglei", "wangfang")

# --- The catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignPlan:
    name: str
    starts_days_ago: int
    ends_days_ago: int | None  # negative: ends in the future; None: open-ended
    spend: Decimal


@dataclass(frozen=True)
class SourcePlan:
    key: str  # in the external IDs: demo-<key>-<n>
    name: str
    channel: str
    leads: int
    campaigns: tuple[CampaignPlan, ...]


SOURCES: tuple[SourcePlan, ...] = (
    SourcePlan("baidu", "百度推广", Channel.SEARCH_ADS, 22, (
        CampaignPlan("品牌词常年投放", 180, None, Decimal("36000")),
        CampaignPlan("行业关键词竞价", 45, -15, Decimal("52000")),
        # Dated to the last November; see _campaign_period.
        CampaignPlan("双十一推广", 0, 0, Decimal("80000")),
    )),
    SourcePlan("douyin", "抖音信息流", Channel.SOCIAL, 18, (
        CampaignPlan("短视频获客计划", 30, -30, Decimal("60000")),
        CampaignPlan("直播间引流", 90, 50, Decimal("25000")),
    )),
    SourcePlan("autoshow", "上海车展", Channel.EVENT, 12, (
        # Dated to the days of the fair; see _campaign_period.
        CampaignPlan("车展展台留资", 0, 0, Decimal("120000")),
    )),
    SourcePlan("website", "官网表单", Channel.WEBSITE, 16, (
        CampaignPlan("免费试用申请", 365, None, Decimal("0")),
        CampaignPlan("行业白皮书下载", 60, None, Decimal("8000")),
    )),
    SourcePlan("referral", "老客户转介绍", Channel.REFERRAL, 9, (
        CampaignPlan("老带新奖励计划", 120, -60, Decimal("15000")),
    )),
)
SOURCE_NAMES = tuple(plan.name for plan in SOURCES)
DOUBLE_ELEVEN = "双十一推广"
FAIR_CAMPAIGN = "车展展台留资"
# Leads come in over the calendar days back to the RECENT_WORKING_DAYS-th last working day
# (so that a long holiday does not leave every lead still before its first deadline), mostly
# on working days. The fair ran over the days of the FAIR_WORKING_DAYS-th last working days.
RECENT_WORKING_DAYS = 8
FAIR_WORKING_DAYS = (6, 8)

# (code, label, recycle to the pool)
LOST_REASONS = (
    ("no-budget", "无预算", True),
    ("competitor", "选择竞品", False),
    ("unreachable", "联系不上", True),
    ("mismatch", "需求不匹配", False),
)

COMPANY_POOL = "公司公海"
EAST_POOL = "华东组公海"

# --- Leads -----------------------------------------------------------------------------------

EAST_REGIONS = ("上海", "江苏", "浙江", "安徽")
SOUTH_REGIONS = ("广东", "福建", "广西", "海南")
NORTH_REGIONS = ("北京", "天津", "河北", "山东")
CITIES = {
    "上海": ("上海",), "江苏": ("南京", "苏州", "无锡", "常州"),
    "浙江": ("杭州", "宁波", "温州", "绍兴"), "安徽": ("合肥", "芜湖"),
    "广东": ("广州", "深圳", "东莞", "佛山"), "福建": ("福州", "厦门", "泉州"),
    "广西": ("南宁", "柳州"), "海南": ("海口", "三亚"), "北京": ("北京",), "天津": ("天津",),
    "河北": ("石家庄", "保定", "唐山"), "山东": ("济南", "青岛", "烟台"),
    # Outside the three sales regions: the catch-all rule takes these.
    "四川": ("成都",), "湖北": ("武汉",), "陕西": ("西安",), "重庆": ("重庆",), "湖南": ("长沙",),
    "河南": ("郑州",),
}
OTHER_REGIONS = ("四川", "湖北", "陕西", "重庆", "湖南", "河南")
# (regions, weight); the fair in Shanghai draws mostly from the east.
REGION_MIX = ((EAST_REGIONS, 40), (SOUTH_REGIONS, 22), (NORTH_REGIONS, 22), (OTHER_REGIONS, 16))
FAIR_REGION_MIX = ((("上海", "江苏", "浙江"), 70), (EAST_REGIONS, 10), (NORTH_REGIONS, 10),
                   (SOUTH_REGIONS, 10))

LEAD_SURNAMES = ("张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
                 "许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢")
LEAD_GIVEN_NAMES = (
    "志明", "建军", "海波", "晓红", "丽华", "伟东", "春华", "国庆", "玉梅", "明辉", "少华", "雪梅",
    "立新", "红梅", "永刚", "秀珍", "德华", "振宇", "静怡", "家俊", "文斌", "思雨", "子豪", "梦瑶",
)
BRANDS = (
    "恒达", "华信", "启明", "博远", "瑞丰", "鼎盛", "万通", "新航", "金桥", "天润", "宏图", "嘉禾",
    "卓越", "永信", "睿达", "汇通", "华腾", "海纳", "同创", "优品", "联创", "百川", "星辰", "立信",
    "锦程", "致远", "安泰", "盛世", "融创", "远景",
)
INDUSTRIES = (
    "科技", "信息技术", "精密机械", "贸易", "医疗器械", "教育科技", "物流", "食品", "新材料",
    "电子商务", "汽车零部件", "环保科技", "网络科技", "企业管理咨询",
)
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "180", "181", "182", "185",
                   "186", "187", "188", "189")
COMPANY_SIZES = ("20人以下", "20-50人", "50-200人", "200-500人", "500人以上")
# (product, weight, deal value range in CNY)
PRODUCTS = (
    ("企业版", 30, (168_000, 398_000)),
    ("专业版", 30, (58_000, 128_000)),
    ("标准版", 12, (19_800, 39_800)),
    ("培训服务", 12, (12_000, 30_000)),
    ("实施服务", 10, (40_000, 90_000)),
    ("私有化部署", 6, (300_000, 600_000)),
)
# (source key of the duplicate, source key of the original, index of the original): the same
# person leaving their details again through another door a day or two later.
DUPLICATES = (("website", "baidu", 1), ("referral", "douyin", 2), ("website", "baidu", 5))

# --- What happens to a lead after it is assigned -----------------------------------------------
# A story is a list of steps: ("follow", channel, outcome, notes, next step), ("qualify",),
# ("win",), ("lose", reason code, note). Notes may name {product} and {budget}. As for a rep,
# every follow-up says what was said (at least ten characters) and names its next step, even
# the last before a lead is lost: its date is when the rep closes it.

FOLLOW, QUALIFY, WIN, LOSE = "follow", "qualify", "win", "lose"
CH, OUT = ContactChannel, Outcome
STORIES: dict[str, tuple[tuple[tuple, ...], ...]] = {
    "contacted": (
        ((FOLLOW, CH.CALL, OUT.INTERESTED, "客户对{product}感兴趣，约下周演示", "线上产品演示"),),
        ((FOLLOW, CH.CALL, OUT.NO_ANSWER, "电话未接通，已发短信说明来意", "再次电话联系"),
         (FOLLOW, CH.WECHAT, OUT.REACHED,
          "已加微信，发送了{product}介绍和报价区间，客户说会内部讨论", "电话回访评估进展")),
        ((FOLLOW, CH.CALL, OUT.REACHED, "联系人是行政主管，需要先向老板汇报，约好下周再沟通",
          "跟进老板意见"),),
        ((FOLLOW, CH.WECHAT, OUT.APPOINTMENT, "客户看过官网案例，约好上门拜访，顺便看看现有流程",
          "上门拜访"),),
        ((FOLLOW, CH.CALL, OUT.INTERESTED,
          "客户目前用Excel管理客户，痛点是跟进不及时，对{product}有兴趣", "发送试用账号并回访"),),
    ),
    "next_overdue": (
        ((FOLLOW, CH.CALL, OUT.REACHED, "客户在出差，约好回来后电话确认演示时间",
          "回电确认演示时间"),),
        ((FOLLOW, CH.WECHAT, OUT.INTERESTED, "客户要求先发{product}报价单，说看完给答复",
          "电话确认报价反馈"),),
    ),
    "qualified": (
        ((FOLLOW, CH.CALL, OUT.INTERESTED, "客户对{product}很感兴趣，约了上门沟通", "上门拜访"),
         (FOLLOW, CH.VISIT, OUT.APPOINTMENT,
          "上门拜访，确认预算约{budget}万元，决策人是总经理，计划本季度上线", "发送正式报价单"),
         (QUALIFY,)),
        ((FOLLOW, CH.WECHAT, OUT.REACHED, "客户已自助试用一周，技术负责人反馈良好，预算已批",
          "商务谈判"),
         (QUALIFY,)),
    ),
    "won": (
        ((FOLLOW, CH.CALL, OUT.INTERESTED, "客户对{product}很感兴趣，要求上门演示", "上门演示"),
         (FOLLOW, CH.VISIT, OUT.REACHED, "现场演示{product}，客户认可方案，已发合同", "合同签署"),
         (WIN,)),
        ((FOLLOW, CH.WECHAT, OUT.REACHED, "需求明确，预算已批，直接发了报价", "确认合同条款"),
         (WIN,)),
        ((FOLLOW, CH.CALL, OUT.APPOINTMENT, "约好线上演示{product}，客户会叫上技术负责人",
          "线上演示"),
         (FOLLOW, CH.CALL, OUT.INTERESTED, "演示顺利，客户比较了两家后倾向我们", "发送合同"),
         (WIN,)),
    ),
    "lost": (
        ((FOLLOW, CH.CALL, OUT.REACHED, "客户已选择竞品，价格比我们低约两成", "与主管确认是否放弃"),
         (LOSE, "competitor", "客户已签约竞品")),
        ((FOLLOW, CH.CALL, OUT.NOT_INTERESTED, "客户要的是定制开发，和{product}不匹配",
          "与主管确认是否放弃"),
         (LOSE, "mismatch", "需求不匹配")),
    ),
    "recycled": (
        ((FOLLOW, CH.CALL, OUT.NO_ANSWER, "电话未接通，已发短信请客户回电", "再次电话联系"),
         (FOLLOW, CH.CALL, OUT.NO_ANSWER, "仍然未接通，微信好友申请也未通过", "最后一次电话尝试"),
         (LOSE, "unreachable", "多次联系不上，放回公海")),
        ((FOLLOW, CH.CALL, OUT.REACHED, "客户表示今年预算已用完，明年一季度再看",
          "与主管确认是否放回公海"),
         (LOSE, "no-budget", "今年无预算，明年可再跟进")),
    ),
}
OPEN_STORIES = ("contacted", "next_overdue", "qualified")
# For the older leads mostly outcomes, for the newer ones mostly work in progress.
OLDER_CYCLE = ("won", "contacted", "lost", "recycled", "contacted", "won", "lost", "qualified",
               "contacted", "recycled")
NEWER_CYCLE = ("contacted", "qualified", "contacted", "next_overdue", "contacted", "won")

# --- Lead quality ----------------------------------------------------------------------------
# The quality department's side of the demo: settings, caps, a scorecard, disputes of both
# sides (ruled, corrected, overdue, due soon), the daily sample, and inspections. They draw on
# their own random stream, so that the leads above come out the same with or without them.

QUALITY_SEED = SEED + 1
MARKETING_USERNAMES = ("lina", "zhulin")
QUALITY_SETTINGS = {
    "blind_review": True, "pause_clocks_during_dispute": False, "ruling_sla_minutes": 8 * 60,
    "sample_share": Decimal("5"), "inspection_share": Decimal("10"), "inspection_minimum": 1,
    "low_score_share": Decimal("30"), "double_scoring_share": Decimal("20"),
}
DISPUTE_CAP_SHARE = Decimal("15")  # per side, over all sources
# The daily jobs' times of day (`manage.py setup_periodic_tasks --list`): the sample at 01:00,
# the inspection draw at 01:30, each for the day before.
SAMPLE_TIME, DRAW_TIME = datetime.time(1, 0), datetime.time(1, 30)
SAMPLE_DAYS, INSPECTION_DAYS = 2, 3

SCORECARD = "跟进质检评分卡"
SCORECARD_PASS_MARK = Decimal("60")
CRITERIA = (
    {"label": "开场白与身份介绍", "answer_type": AnswerType.SCORE, "weight": 2,
     "min_score": 0, "max_score": 5},
    {"label": "确认客户需求", "answer_type": AnswerType.YES_NO, "weight": 2},
    {"label": "介绍产品卖点", "answer_type": AnswerType.SCORE, "weight": 1,
     "min_score": 0, "max_score": 5},
    {"label": "下一步约定", "answer_type": AnswerType.CHOICE, "weight": 1,
     "choices": [{"label": "明确", "points": 1}, {"label": "模糊", "points": 0.5},
                 {"label": "没有", "points": 0}]},
    {"label": "服务态度", "answer_type": AnswerType.SCORE, "weight": 1,
     "min_score": 1, "max_score": 5},
)
# An inspector's answers, in the order of CRITERIA, and the findings that go with them.
# Scores out of 100: good 97, ok 78, fair 66, weak 41, poor 21 (the pass mark is 60).
SCORING = {
    "good": ((5, True, 4, "明确", 5), "开场规范，需求确认到位，约好了下一步的具体时间。"),
    "ok": ((4, True, 3, "模糊", 4), "整体规范；卖点介绍偏泛，下一步没有约定具体时间。"),
    "fair": ((3, True, 2, "模糊", 3), "问到了需求，但没有追问预算和决策人，卖点介绍不够具体。"),
    "weak": ((3, False, 2, "模糊", 4), "没有确认客户需求就开始介绍产品，建议先问清现状和痛点。"),
    "poor": ((2, False, 1, "没有", 3), "开场没有说明公司和来意，未确认需求，也没有约定下一步，"
                                       "需要主管辅导。"),
}
SCORING_CYCLE = ("good", "ok", "weak", "fair", "good", "poor", "ok", "fair", "good", "ok")
# The second inspector of a double-scored follow-up sees it a little differently.
SECOND_OPINION = {"good": "ok", "ok": "good", "fair": "weak", "weak": "fair", "poor": "weak"}
NOT_GENUINE_FINDINGS = ("备注写已与客户沟通，但当天的通话记录里没有拨打过该号码，"
                        "判定为没有真实联系。")
SAMPLE_NOTES = (
    "抽检回访：号码可以接通，对方确认曾在{source}留资咨询{product}。",
    "抽检核实：手机号为本人使用，公司信息可查，判定为有效线索。",
    "抽检回访：客户确认留过资料，对{product}有了解意向。",
)

# The leads a dispute story fits.
FRESH, WORKED, DUPLICATE = "fresh", "worked", "duplicate"
# What became of a dispute.
RULED, CORRECTED, OVERDUE, DUE_SOON = "ruled", "corrected", "overdue", "due soon"


@dataclass(frozen=True)
class DisputeStory:
    """A dispute and its ruling. `kind` is FRESH, WORKED or DUPLICATE for sales (see
    quality_candidates), a lost-reason code for marketing. The texts may name {source},
    {original}, {days}, {first_contact} and {product}."""

    kind: str
    ground: str
    # The follow-ups logged before the dispute: channel, outcome, notes, next step.
    calls: tuple[tuple[str, str, str, str], ...]
    evidence: str
    verdict: str
    reason: str
    note: str
    correction: tuple[str, str, str] | None = None  # verdict, reason, note


GROUND, VERDICT = DisputeGround, Verdict
SALES_DISPUTE_STORIES = {
    "duplicate": DisputeStory(
        DUPLICATE, GROUND.DUPLICATE,
        ((CH.CALL, OUT.REACHED, "客户接电话说前两天已经在{original}留过资料，已经有销售联系过他",
          "质检判定后与原跟进销售确认归属"),),
        "同一手机号{days}天前已通过{original}留资，该客户已有销售在跟进，这条是重复提交，"
        "申请判定为重复线索。",
        VERDICT.INVALID, GROUND.DUPLICATE,
        "与{original}的线索为同一手机号，{days}天内重复留资，按重复线索处理，不计入{source}的"
        "有效线索。"),
    "unreachable_after_contact": DisputeStory(
        WORKED, GROUND.UNREACHABLE,
        ((CH.CALL, OUT.NO_ANSWER, "电话未接通，发短信提醒客户回电", "换个时段再打"),
         (CH.CALL, OUT.NO_ANSWER, "换了时段再次拨打仍未接通，微信消息也没有回复",
          "质检判定后决定是否放回公海")),
        "上次沟通后客户再无回应：不同时段拨打均未接通，短信和微信消息都没有回复，"
        "申请判定为联系不上。",
        VERDICT.VALID, "",
        "跟进记录显示{first_contact}曾接通并沟通过需求，留资信息真实；后续联系不上属于跟进问题，"
        "不影响线索有效性。"),
    "no_intent": DisputeStory(
        WORKED, GROUND.NO_INTENT,
        ((CH.CALL, OUT.NOT_INTERESTED,
          "再次电话沟通，客户说只是随便了解一下，近期没有采购计划，让不要再打了",
          "质检判定后决定是否转入长期培育"),),
        "客户明确表示没有采购计划，并要求不要再联系，申请判定为无意向。",
        VERDICT.VALID, "",
        "首次沟通时客户对{product}表示过兴趣，留资信息真实；意向下降不属于线索质量问题，"
        "请转入长期培育。"),
    "unreachable": DisputeStory(
        FRESH, GROUND.UNREACHABLE,
        ((CH.CALL, OUT.NO_ANSWER, "上午拨打未接通，发短信说明来意", "下午再打"),
         (CH.CALL, OUT.NO_ANSWER, "下午两次拨打仍无人接听，微信搜索该手机号无此用户",
          "质检判定后决定是否放弃")),
        "上午、下午共三次拨打均未接通，短信没有回复，微信搜不到该手机号，申请判定为联系不上。",
        VERDICT.INVALID, GROUND.UNREACHABLE,
        "三个时段的拨打记录齐全，短信和微信均无回应，按联系不上处理。"),
    "wrong_number": DisputeStory(
        FRESH, GROUND.WRONG_NUMBER,
        ((CH.CALL, OUT.NO_ANSWER,
          "拨打提示“您拨打的号码是空号”，核对表单号码无误，短信也发送失败",
          "质检判定后决定是否放弃"),),
        "电话提示空号，短信发送失败，表单里没有留其他联系方式，申请判定为空号。",
        VERDICT.INVALID, GROUND.WRONG_NUMBER,
        "复拨确认为空号，表单无其他联系方式，判定为无效线索。"),
}
# Marketing contests leads sales gave up on, by the reason sales gave; it asserts a valid lead.
MARKETING_DISPUTE_STORIES = {
    "unreachable": DisputeStory(
        "unreachable", GROUND.UNREACHABLE, (),
        "该客户在{source}留资时填写了手机号和公司名称，市场部回访核实号码为本人使用、可以接通。"
        "销售只拨打了两次就放回公海，不足以判定联系不上，申请判定为有效线索。",
        VERDICT.INVALID, GROUND.UNREACHABLE,
        "跟进记录显示两次拨打均未接通，微信好友申请也未通过，按联系不上处理。",
        (VERDICT.VALID, "", "复核：市场部的回访记录显示号码可以接通，销售只拨打了两次，"
                            "未满足三个不同时段拨打的要求。原判定依据不足，更正为有效线索。")),
    "no-budget": DisputeStory(
        "no-budget", GROUND.NO_INTENT, (),
        "客户表示明年一季度有预算，需求真实，只是采购时间未到，不应算作无效线索，"
        "申请判定为有效线索。",
        VERDICT.INVALID, GROUND.NO_INTENT, "客户本年度没有预算、近期无采购计划，按无意向处理。",
        (VERDICT.VALID, "", "复核：客户明确了明年一季度的采购计划，属于有效的潜在需求。"
                            "原判定把“暂无预算”当作“无意向”，更正为有效线索。")),
    "mismatch": DisputeStory(
        "mismatch", GROUND.OTHER, (),
        "客户在表单中选择了{product}，公司规模与产品定位相符，销售记录的“需求不匹配”缺少具体依据，"
        "申请判定为有效线索。",
        VERDICT.INVALID, GROUND.OTHER, "客户要的是定制开发，与标准产品不匹配，判定为无效线索。",
        (VERDICT.VALID, "", "复核：客户的核心需求标准产品可以满足，定制部分可由实施服务承接。"
                            "更正为有效线索。")),
}
# (what becomes of it, the stories that may tell it, best first): the reps' disputes, the
# most demanding of time first, so that they get the leads that came in early enough.
SALES_DISPUTES = (
    (RULED, ("duplicate", "wrong_number", "unreachable", "no_intent")),
    (RULED, ("unreachable_after_contact", "no_intent")),
    (RULED, ("no_intent", "unreachable_after_contact")),
    (OVERDUE, ("unreachable", "unreachable_after_contact", "no_intent")),
    (DUE_SOON, ("wrong_number", "unreachable", "no_intent")),
    (DUE_SOON, ("duplicate", "unreachable_after_contact", "no_intent")),
)
# (who, what becomes of it, lost reasons of the leads it fits, best first).
MARKETING_DISPUTES = (
    ("lina", CORRECTED, ("unreachable", "no-budget", "mismatch")),
    ("zhulin", DUE_SOON, ("mismatch", "no-budget", "unreachable")),
)
# When a dispute was opened, in working minutes before now (later if its lead needs it): a
# ruled one long enough ago to have been ruled (and corrected), the overdue one more than the
# ruling SLA of eight working hours ago, the others within the last working hours.
DISPUTE_WINDOWS = {RULED: (14 * 60, 40 * 60), CORRECTED: (20 * 60, 40 * 60),
                   OVERDUE: (11 * 60 + 30, 13 * 60), DUE_SOON: (30, 100)}


@dataclass
class LeadPlan:
    source: SourcePlan
    number: int
    arrival: datetime.datetime
    data: dict
    duplicate_of: "LeadPlan | None" = None
    is_original: bool = False
    lead: Lead | None = None
    story: str = ""

    @property
    def external_id(self) -> str:
        return f"{EXTERNAL_PREFIX}{self.source.key}-{self.number}"


@dataclass
class Org:
    sales: Department
    teams: dict[str, Team]
    users: dict[str, User]  # the sales people REQUIRED_USERNAMES names, and the marketers
    adjudicators: list[User]
    inspectors: list[User]
    # Heads of the quality department who are not adjudicators themselves: they correct rulings.
    quality_heads: list[User]


class Command(BaseCommand):
    help = (
        "Create demo leads on top of seed_demo's organisation: sources and campaigns, lost "
        "reasons, lead pools, assignment rules and about 80 leads in every state (overdue, "
        "worked, won, lost, in the pool, duplicates), and lead-quality data (disputes, "
        "rulings, the daily sample, inspections). Safe to run again: once the demo leads "
        "exist it changes nothing."
    )

    def handle(self, *args, **options):
        if Lead.objects.filter(source__name__in=SOURCE_NAMES,
                               external_id__startswith=EXTERNAL_PREFIX).exists():
            self.stdout.write("Demo leads already seeded; nothing changed.")
            return
        org = self.load_org()
        # The services enqueue assignment and notification e-mails after the commit. Run them
        # in this process (no broker needed) and send the e-mails nowhere: the demo's history
        # would otherwise mail every rep at the first start of the worker.
        # Their log lines (one per task, and kombu's note that the filesystem broker URL names
        # no host) would only bury the summary.
        was_eager = celery_app.conf.task_always_eager
        quiet = {name: logging.getLogger(name) for name in QUIET_LOGGERS}
        levels = {name: logger.level for name, logger in quiet.items()}
        celery_app.conf.task_always_eager = True
        for logger in quiet.values():
            logger.setLevel(logging.ERROR)
        try:
            with override_settings(EMAIL_BACKEND=LOCMEM_EMAIL), transaction.atomic():
                self.seed(org)
        finally:
            celery_app.conf.task_always_eager = was_eager
            for name, logger in quiet.items():
                logger.setLevel(levels[name])
        self.print_summary()

    # Prerequisites -------------------------------------------------------------------------

    def load_org(self) -> Org:
        hint = "run `manage.py seed_demo` first"
        sales = Department.objects.filter(kind=DepartmentKind.SALES, name=SALES_DEPARTMENT).first()
        if sales is None:
            raise CommandError(f"The sales department {SALES_DEPARTMENT} is missing: {hint}.")
        teams = {team.name: team for team in Team.objects.filter(department=sales,
                                                                 name__in=(EAST, SOUTH, NORTH))}
        missing_teams = [name for name in (EAST, SOUTH, NORTH) if name not in teams]
        if missing_teams:
            raise CommandError(f"The sales teams {', '.join(missing_teams)} are missing: {hint}.")
        users = {user.username: user for user in
                 User.objects.filter(username__in=REQUIRED_USERNAMES, is_active=True)}
        missing_users = [name for name in REQUIRED_USERNAMES if name not in users]
        if missing_users:
            raise CommandError(f"The sales reps {', '.join(missing_users)} are missing: {hint}.")
        for name, team in teams.items():
            if not team.memberships.filter(role=Role.MEMBER).exists():
                raise CommandError(f"The sales team {name} has no reps: {hint}.")
        marketers = {user.username: user for user in
                     User.objects.filter(username__in=MARKETING_USERNAMES, is_active=True)
                     if is_marketing(user)}
        missing_marketers = [name for name in MARKETING_USERNAMES if name not in marketers]
        if missing_marketers:
            raise CommandError(f"The marketers {', '.join(missing_marketers)} are missing: "
                               f"{hint}.")
        quality = list(User.objects.filter(
            is_active=True, memberships__department__kind=DepartmentKind.QUALITY,
        ).distinct().order_by("pk"))
        adjudicators = [user for user in quality if can_rule(user)]
        inspectors = [user for user in quality if can_inspect(user)]
        if not adjudicators or not inspectors:
            raise CommandError(f"The quality department has no adjudicator or no inspector: "
                               f"{hint}.")
        quality_heads = [user for user in quality
                         if can_correct_ruling(user) and user not in adjudicators]
        return Org(sales=sales, teams=teams, users=users | marketers, adjudicators=adjudicators,
                   inspectors=inspectors, quality_heads=quality_heads)

    # The whole seed, in one transaction -------------------------------------------------------

    def seed(self, org: Org) -> None:
        self.now = timezone.now()
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.spec: CalendarSpec = calendar_spec_for()
        self.zone = self.spec.time_zone  # the deadlines' working hours are in its zone
        self.today = timezone.localdate(self.now, self.zone)
        self.days, self.fair_days = self._recent_days()
        self.first_notification = (Notification.objects.order_by("-pk")
                                   .values_list("pk", flat=True).first() or 0)
        sources, campaigns = self.seed_catalog()
        reasons = self.seed_lost_reasons()
        self.seed_pools_and_rules(org)
        plans = self.plan_leads(campaigns)
        self.create_leads(plans, sources)
        self.assign_leads(plans)
        self.choose_stories(plans)
        for plan in plans:
            self.tell(plan, reasons)
        self.seed_quality(org, plans)
        self.mark_old_notifications_read()

    def _stamp(self, when: datetime.datetime, *models) -> None:
        """Date the rows of `models` the last service call wrote with the current time back to
        `when`. Every simulated moment lies before self.now, every row written in this run
        after it."""
        for model in models:
            model.objects.filter(created_at__gte=self.now).update(created_at=when)

    # Catalogue, lost reasons, pools, rules ----------------------------------------------------

    def _recent_days(self) -> tuple[list[tuple[datetime.date, int]], list[datetime.date]]:
        """The days leads come in on, with their weights, and the days of the fair."""
        days: list[tuple[datetime.date, int]] = []
        working: list[datetime.date] = []
        day = self.today
        while len(working) < RECENT_WORKING_DAYS and len(days) < 60:
            is_working = bool(self.spec.periods_on(day))
            days.append((day, 3 if is_working else 1))
            if is_working:
                working.append(day)
            day -= datetime.timedelta(days=1)
        first, last = FAIR_WORKING_DAYS
        fair_start, fair_end = working[min(last, len(working)) - 1], working[first - 1]
        fair = [day for day, _weight in days if fair_start <= day <= fair_end]
        return days, fair

    def _campaign_period(self, plan: CampaignPlan) -> tuple[datetime.date, datetime.date | None]:
        if plan.name == FAIR_CAMPAIGN:
            return min(self.fair_days), max(self.fair_days)
        if plan.name == DOUBLE_ELEVEN:
            year = self.today.year if self.today >= datetime.date(self.today.year, 11, 1) \
                else self.today.year - 1
            return datetime.date(year, 11, 1), datetime.date(year, 11, 20)
        starts = self.today - datetime.timedelta(days=plan.starts_days_ago)
        ends = None if plan.ends_days_ago is None else \
            self.today - datetime.timedelta(days=plan.ends_days_ago)
        return starts, ends

    def seed_catalog(self) -> tuple[dict[str, Source], dict[str, list[Campaign]]]:
        sources: dict[str, Source] = {}
        campaigns: dict[str, list[Campaign]] = {}
        for plan in SOURCES:
            source = Source.objects.filter(name=plan.name).first() or catalog_save(
                instance=Source(), data={"name": plan.name, "channel": plan.channel}, actor=None)
            sources[plan.key] = source
            campaigns[plan.key] = []
            for campaign_plan in plan.campaigns:
                campaign = Campaign.objects.filter(source=source, name=campaign_plan.name).first()
                if campaign is None:
                    starts, ends = self._campaign_period(campaign_plan)
                    campaign = catalog_save(instance=Campaign(), actor=None, data={
                        "source": source, "name": campaign_plan.name, "starts_on": starts,
                        "ends_on": ends, "spend": campaign_plan.spend, "currency": CURRENCY})
                campaigns[plan.key].append(campaign)
        return sources, campaigns

    def seed_lost_reasons(self) -> dict[str, LostReason]:
        reasons = {}
        for code, label, recycle in LOST_REASONS:
            reasons[code], _created = LostReason.objects.get_or_create(
                code=code, defaults={"label": label, "recycle": recycle})
        return reasons

    def seed_pools_and_rules(self, org: Org) -> None:
        company_pool, _created = LeadPool.objects.get_or_create(
            name=COMPANY_POOL, defaults={"daily_claim_limit": 5, "holding_capacity": 30,
                                         "cooldown_days": 7})
        east_pool, _created = LeadPool.objects.get_or_create(
            name=EAST_POOL, defaults={"team": org.teams[EAST], "daily_claim_limit": 5,
                                      "holding_capacity": 30, "cooldown_days": 7})
        lead_settings, _created = LeadSettings.objects.get_or_create(
            pk=1, defaults={"duplicate_window_days": 90})
        if lead_settings.default_pool_id is None:
            lead_settings.default_pool = company_pool
            lead_settings.save(update_fields=["default_pool"])

        users = org.users
        rules = (
            {"name": "华东地区", "priority": 10,
             "conditions": [{"field": "region", "op": "in", "value": list(EAST_REGIONS)}],
             "team": org.teams[EAST], "strategy": Strategy.ROUND_ROBIN,
             "first_contact_sla_minutes": 30, "max_reassignments": 2,
             "on_exhausted": OnExhausted.POOL, "recycle_pool": east_pool,
             "recycle_after_idle_days": 14},
            {"name": "华南地区", "priority": 20,
             "conditions": [{"field": "region", "op": "in", "value": list(SOUTH_REGIONS)}],
             "team": org.teams[SOUTH], "strategy": Strategy.WEIGHTED,
             "first_contact_sla_minutes": 30, "max_reassignments": 2,
             "members": [{"user": users["huangyong"], "weight": 3},
                         {"user": users["zhoujie"], "weight": 2},
                         {"user": users["wuting"], "weight": 2},
                         {"user": users["liqiang"], "weight": 1}]},
            {"name": "华北地区", "priority": 30,
             "conditions": [{"field": "region", "op": "in", "value": list(NORTH_REGIONS)}],
             "team": org.teams[NORTH], "strategy": Strategy.LEAST_LOADED, "daily_cap": 20,
             "first_contact_sla_minutes": 30, "max_reassignments": 2},
            {"name": "其他地区", "priority": 1000, "conditions": [], "team": org.teams[EAST],
             "strategy": Strategy.ROUND_ROBIN, "first_contact_sla_minutes": 30,
             "max_reassignments": 2},
        )
        for data in rules:
            if not AssignmentRule.objects.filter(name=data["name"]).exists():
                rule_save(rule=AssignmentRule(), data=data, actor=None)

    # Planning the leads ---------------------------------------------------------------------

    def _weighted(self, choices):
        return self.rng.choices([item for item, _w in choices],
                                weights=[weight for _i, weight in choices])[0]

    def _phone(self, used: set[str]) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if phone not in used:
                used.add(phone)
                return phone

    def _name(self) -> str:
        surname = self.rng.choice(LEAD_SURNAMES)
        if self.rng.random() < 0.45:
            return surname + self.rng.choice(("先生", "女士"))
        return surname + self.rng.choice(LEAD_GIVEN_NAMES)

    def _company(self, city: str, used: set[str]) -> str:
        while True:
            suffix = "股份有限公司" if self.rng.random() < 0.15 else "有限公司"
            company = (city + self.rng.choice(BRANDS) + self.rng.choice(INDUSTRIES) + suffix)
            if company not in used:
                used.add(company)
                return company

    def _arrival(self, source: SourcePlan) -> datetime.datetime:
        if source.key == "autoshow":
            day, hours = self.rng.choice(self.fair_days), (10, 17)
        else:
            day = self._weighted(self.days)
            hours = (8, 22) if source.key == "website" else (9, 19)
        moment = datetime.datetime.combine(
            day, datetime.time(self.rng.randint(*hours), self.rng.randint(0, 59)), self.zone)
        while moment > self.now - datetime.timedelta(minutes=15):
            moment -= datetime.timedelta(days=1)
        return moment

    def plan_leads(self, campaigns: dict[str, list[Campaign]]) -> list[LeadPlan]:
        phones: set[str] = set()
        companies: set[str] = set()
        plans: list[LeadPlan] = []
        by_source: dict[str, list[LeadPlan]] = {}
        for source in SOURCES:
            by_source[source.key] = []
            for number in range(1, source.leads + 1):
                arrival = self._arrival(source)
                if number == source.leads and source.key in {"baidu", "douyin", "website"}:
                    # Just in: awaiting first contact, due soon.
                    arrival = self.now - datetime.timedelta(minutes=self.rng.randint(3, 12))
                mix = FAIR_REGION_MIX if source.key == "autoshow" else REGION_MIX
                region = self.rng.choice(self._weighted(mix))
                product = self._weighted([(name, weight) for name, weight, _v in PRODUCTS])
                data = {
                    "name": self._name(), "phone": self._phone(phones),
                    "company": self._company(self.rng.choice(CITIES[region]), companies),
                    "region": region, "product_interest": product,
                    "attributes": {"company_size": self.rng.choice(COMPANY_SIZES)},
                }
                if source.key == "douyin" and self.rng.random() < 0.5:
                    data["wechat_id"] = "wx_" + "".join(
                        self.rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
                plan = LeadPlan(source=source, number=number, arrival=arrival, data=data)
                by_source[source.key].append(plan)
                plans.append(plan)
        for duplicate_key, original_key, index in DUPLICATES:
            original = by_source[original_key][index]
            # Far enough back that the same person can come back a day or two later.
            if original.arrival > self.now - datetime.timedelta(days=3):
                day = self.rng.choice([day for day, weight in self.days[4:] if weight > 1])
                original.arrival = datetime.datetime.combine(
                    day, datetime.time(self.rng.randint(9, 17)), self.zone)
            source = next(plan for plan in SOURCES if plan.key == duplicate_key)
            arrival = original.arrival + datetime.timedelta(days=self.rng.randint(1, 2),
                                                            hours=self.rng.randint(1, 5))
            data = {**original.data, "product_interest": self._weighted(
                [(name, weight) for name, weight, _v in PRODUCTS])}
            plan = LeadPlan(source=source, number=len(by_source[duplicate_key]) + 1,
                            arrival=arrival, data=data, duplicate_of=original)
            original.is_original = True
            by_source[duplicate_key].append(plan)
            plans.append(plan)
        for plan in plans:
            plan.data["external_id"] = plan.external_id
            day = timezone.localdate(plan.arrival, self.zone)
            running = [campaign for campaign in campaigns[plan.source.key]
                       if campaign.starts_on <= day
                       and (campaign.ends_on is None or day <= campaign.ends_on)]
            if running:
                plan.data["campaign"] = self.rng.choice(running).pk
        return plans

    # Intake and assignment ------------------------------------------------------------------

    def create_leads(self, plans: list[LeadPlan], sources: dict[str, Source]) -> None:
        """Per source through the bulk intake, originals before their duplicates."""
        by_external_id = {plan.external_id: plan for plan in plans}
        for source in SOURCES:
            batch = [plan for plan in plans if plan.source is source]
            result = lead_bulk_create(source=sources[source.key], now=self.now,
                                      records=[plan.data for plan in batch])
            if result.failed:
                raise CommandError(f"Demo leads rejected by the intake: {result.failed}")
            for lead in result.created:
                plan = by_external_id[lead.external_id]
                plan.lead = lead
                Lead.objects.filter(pk=lead.pk).update(created_at=plan.arrival)

    def assign_leads(self, plans: list[LeadPlan]) -> None:
        """By the rules, in the order the leads came in, as the worker would have."""
        for plan in sorted(plans, key=lambda plan: (plan.arrival, plan.lead.pk)):
            when = plan.arrival + datetime.timedelta(seconds=self.rng.randint(20, 90))
            lead_assign_auto(lead_id=plan.lead.pk, now=when, spec=self.spec)
            self._stamp(when, Assignment, Notification)
        leads = Lead.objects.select_related("owner").in_bulk([plan.lead.pk for plan in plans])
        for plan in plans:
            plan.lead = leads[plan.lead.pk]

    # What happens next ----------------------------------------------------------------------

    def choose_stories(self, plans: list[LeadPlan]) -> None:
        """Leads whose first-contact deadline is still ahead wait ("due soon"). Of the others,
        each showcase rep's two newest stay uncontacted and the next misses its next step; a
        few other reps leave their newest one uncontacted too. The rest get stories: older
        leads mostly an outcome, newer ones work in progress."""
        margin = self.now - datetime.timedelta(minutes=5)
        due = [plan for plan in plans
               if plan.lead.owner_id and plan.lead.first_contact_due_at
               and plan.lead.first_contact_due_at <= margin]
        by_owner: dict[str, list[LeadPlan]] = {}
        for plan in due:
            by_owner.setdefault(plan.lead.owner.username, []).append(plan)
        for index, (username, owned) in enumerate(sorted(by_owner.items())):
            owned.sort(key=lambda plan: plan.lead.assigned_at, reverse=True)  # newest first
            if username in SHOWCASE_USERNAMES:
                head = ["uncontacted", "uncontacted", "next_overdue"]
            else:
                head = ["uncontacted"] if index % 2 == 0 else []
            for plan, story in zip(owned, head, strict=False):
                plan.story = story
        # Rule by rule, so that every region has outcomes and both pools get leads.
        by_rule: dict[int, list[LeadPlan]] = {}
        for plan in due:
            if not plan.story:
                by_rule.setdefault(plan.lead.rule_id, []).append(plan)
        for rest in by_rule.values():
            rest.sort(key=lambda plan: plan.lead.assigned_at)
            older = round(len(rest) * 0.6)
            for position, plan in enumerate(rest):
                if position < older:
                    story = OLDER_CYCLE[position % len(OLDER_CYCLE)]
                else:
                    story = NEWER_CYCLE[(position - older) % len(NEWER_CYCLE)]
                if (plan.duplicate_of or plan.is_original) and story not in OPEN_STORIES:
                    story = "contacted"  # an original stays open while its duplicate comes in
                plan.story = story

    def _moments(self, start: datetime.datetime, gaps: list[datetime.timedelta]
                 ) -> list[datetime.datetime]:
        """The moments of a story's steps: the first at `start`, the others after the gaps,
        squeezed to end before now, and moved to working time where that still fits."""
        latest = self.now - datetime.timedelta(minutes=2)
        total = sum(gaps, datetime.timedelta())
        if total and start + total > latest:
            scale = (latest - start) / total
            gaps = [gap * scale for gap in gaps]
        plain, working = [start], [start]
        for gap in gaps:
            plain.append(plain[-1] + gap)
            moment = working[-1] + gap
            moved = next_business_moment(moment=moment, spec=self.spec)
            if moved != moment:  # not on the stroke of nine
                moved += datetime.timedelta(minutes=self.rng.randint(3, 40))
            working.append(moved if moved < latest else moment)
        return working if working[-1] <= latest else plain

    def _future_next_step(self) -> datetime.datetime:
        day = self.today + datetime.timedelta(days=self.rng.randint(1, 5))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        hour, minute = self.rng.choice(((10, 0), (14, 30), (16, 0)))
        return datetime.datetime.combine(day, datetime.time(hour, minute), self.zone)

    def tell(self, plan: LeadPlan, reasons: dict[str, LostReason]) -> None:
        if plan.story not in STORIES:
            return  # awaiting first contact: due soon, or overdue
        lead, owner = plan.lead, plan.lead.owner
        steps = self.rng.choice(STORIES[plan.story])
        start = next_business_moment(moment=lead.assigned_at, spec=self.spec) + \
            datetime.timedelta(minutes=self.rng.randint(5, 25))
        # The first call comes within the SLA; later steps a few hours to two days apart.
        gaps = [datetime.timedelta(hours=self.rng.randint(3, 48)) for _ in steps[1:]]
        moments = self._moments(start, gaps)
        product = lead.product_interest
        low, high = next(values for name, _w, values in PRODUCTS if name == product)
        value = Decimal(round(self.rng.uniform(low, high), -3))
        for index, (step, when) in enumerate(zip(steps, moments, strict=True)):
            kind = step[0]
            if kind == FOLLOW:
                _kind, channel, outcome, notes, next_step = step
                # The next step is whatever the rep did next (a qualification takes no time).
                later = [moment for step_, moment in zip(steps[index + 1:], moments[index + 1:],
                                                         strict=True) if step_[0] != QUALIFY]
                next_step_at = later[0] if later else self._last_next_step(plan, when)
                follow_up_create(
                    lead=lead, author=owner, channel=channel, outcome=outcome,
                    notes=notes.format(product=product, budget=max(int(value / 10000), 1)),
                    next_step=next_step, next_step_at=next_step_at, now=when)
                self._stamp(when, FollowUp)
            elif kind == QUALIFY:
                lead_qualify(lead=lead, actor=owner)
            elif kind == WIN:
                lead_win(lead=lead, actor=owner, value=value, currency=CURRENCY, now=when)
            elif kind == LOSE:
                # A reason that recycles moves the lead to the pool and tells the owner.
                lead_lose(lead=lead, actor=owner, reason=reasons[step[1]], note=step[2], now=when)
                self._stamp(when, Assignment, Notification)

    def _last_next_step(self, plan: LeadPlan, when: datetime.datetime) -> datetime.datetime:
        """A date ahead; for a missed next step, a working hour between the follow-up and now,
        at most a day and a half ago, so that the ladder has reminded but not yet reassigned."""
        if plan.story == "next_overdue":
            latest = self.now - datetime.timedelta(minutes=30)
            earliest = max(when + datetime.timedelta(hours=3),
                           self.now - datetime.timedelta(hours=36))
            if earliest >= latest:
                earliest = when + datetime.timedelta(minutes=30)
            candidates = []
            for _attempt in range(40):
                if earliest >= latest:
                    break
                moment = earliest + (latest - earliest) * self.rng.random()
                moment = moment.astimezone(self.zone).replace(
                    minute=moment.minute // 30 * 30, second=0, microsecond=0)
                if earliest < moment < latest:
                    candidates.append(moment)
                    if is_business_time(moment=moment, spec=self.spec):
                        return moment
            if candidates:
                return candidates[0]
        return self._future_next_step()

    # Lead quality ---------------------------------------------------------------------------

    def seed_quality(self, org: Org, plans: list[LeadPlan]) -> None:
        """What the quality department did over the last days, in order: the settings and the
        scorecard, the daily samples, the disputes and their rulings, the inspections; the
        dispute caps last (see seed_dispute_caps)."""
        self.qrng = random.Random(QUALITY_SEED)  # noqa: S311 - demo data, not secrets
        self.correction_skipped = not org.quality_heads
        QualitySettings.objects.get_or_create(pk=1, defaults=QUALITY_SETTINGS)
        scorecard = self.seed_scorecard()
        self.seed_samples(org)
        self.seed_disputes(org, plans)
        self.seed_inspections(org, scorecard)
        self.seed_dispute_caps()

    def _before(self, end: datetime.datetime, minutes: int) -> datetime.datetime:
        """The moment `minutes` of working time before `end`: business_time_add backwards."""
        remaining = datetime.timedelta(minutes=minutes)
        day = end.astimezone(self.zone).date()
        for _day in range(400):
            for start, stop in reversed(self.spec.periods_on(day)):
                low = datetime.datetime.combine(day, start, self.zone)
                high = datetime.datetime.combine(
                    day if stop > start else day + datetime.timedelta(days=1), stop, self.zone)
                high = min(high, end)
                if high <= low:
                    continue
                if remaining <= high - low:
                    return high - remaining
                remaining -= high - low
            day -= datetime.timedelta(days=1)
        raise CommandError("The business calendar has no working time in the past year.")

    def _after(self, start: datetime.datetime, minutes: int) -> datetime.datetime:
        return business_time_add(start=start, duration=datetime.timedelta(minutes=minutes),
                                 spec=self.spec)

    def _nightly(self, day: datetime.date, at: datetime.time) -> datetime.datetime:
        """When a daily job ran for `day`: at its time the night after (or just now)."""
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1), at, self.zone)
        return min(moment, self.now - datetime.timedelta(minutes=1))

    def _stamp_ruling(self, ruling: Ruling, when: datetime.datetime) -> None:
        """Date a ruling, and the notifications it sent, back to `when`. A ruling is final and
        its manager refuses every update; the demo dates its own simulated history through
        the plain base manager, as it does every other row it writes."""
        Ruling._base_manager.filter(pk=ruling.pk).update(created_at=when)
        self._stamp(when, Notification)

    def seed_scorecard(self) -> Scorecard:
        """Scorecards are written in the admin (no service writes them); this one is in use
        unless another one already is."""
        scorecard = Scorecard.objects.filter(name=SCORECARD).first()
        if scorecard is None:
            scorecard = Scorecard.objects.create(
                name=SCORECARD, pass_mark=SCORECARD_PASS_MARK,
                is_active=not Scorecard.objects.filter(is_active=True).exists())
            Criterion.objects.bulk_create(
                Criterion(scorecard=scorecard, position=position, **criterion)
                for position, criterion in enumerate(CRITERIA, start=1))
        return scorecard

    def seed_samples(self, org: Org) -> None:
        """The daily sample of the last SAMPLE_DAYS days that had leads, each drawn at the
        job's time the night after. The adjudicators have ruled the samples that would be
        overdue by now (all valid); the newest wait in their queue."""
        days: list[datetime.date] = []
        zone = timezone.get_current_timezone()  # the sample's days are the server's
        for back in range(1, 15):
            day = self.today - datetime.timedelta(days=back)
            start = datetime.datetime.combine(day, datetime.time(0), zone)
            if Lead.objects.filter(created_at__gte=start,
                                   created_at__lt=start + datetime.timedelta(days=1)).exists():
                days.append(day)
            if len(days) == SAMPLE_DAYS:
                break
        for day in reversed(days):
            drawn_at = self._nightly(day, SAMPLE_TIME)
            leads_sample_for_adjudication(day=day, now=drawn_at, seed=SEED)
            Dispute.objects.filter(created_at__gte=self.now).update(created_at=drawn_at,
                                                                    updated_at=drawn_at)
        due = (Dispute.objects.filter(side=DisputeSide.SAMPLE, status=DisputeStatus.OPEN,
                                      due_at__lte=self.now + datetime.timedelta(hours=1))
               .select_related("lead__source").order_by("due_at", "pk"))
        for index, sample in enumerate(due):
            ruled_at = min(self._after(sample.created_at, self.qrng.randint(60, 360)),
                           sample.due_at - datetime.timedelta(minutes=10),
                           self.now - datetime.timedelta(minutes=5))
            note = SAMPLE_NOTES[index % len(SAMPLE_NOTES)].format(
                source=sample.lead.source.name, product=sample.lead.product_interest or "产品")
            ruling = dispute_rule(dispute=sample, verdict=Verdict.VALID, note=note,
                                  actor=org.adjudicators[index % len(org.adjudicators)],
                                  now=ruled_at)
            self._stamp_ruling(ruling, ruled_at)

    def quality_candidates(self, plans: list[LeadPlan]) -> dict[str, list[Lead]]:
        """The leads a dispute story fits, by kind, in a shuffled but fixed order: FRESH, never
        contacted and overdue for it; WORKED, contacted and open; DUPLICATE, an open duplicate;
        for marketing, the leads sales gave up on, by lost-reason code. Never a lead of a
        showcase rep (their "My leads" stays as told above), nor one the daily sample drew."""
        sampled = set(Dispute.objects.values_list("lead_id", flat=True))
        leads = Lead.objects.select_related(
            "owner", "source", "lost_reason", "duplicate_of__source",
        ).in_bulk([plan.lead.pk for plan in plans])
        kinds: dict[str, list[Lead]] = defaultdict(list)
        for plan in sorted(plans, key=lambda plan: plan.lead.pk):
            lead = leads[plan.lead.pk]
            if lead.pk in sampled or (lead.owner_id
                                      and lead.owner.username in SHOWCASE_USERNAMES):
                continue
            if lead.lost_reason_id:  # lost, or recycled to a pool
                kinds[lead.lost_reason.code].append(lead)
            elif lead.owner_id is None or lead.status not in OPEN_STATUSES or plan.is_original:
                continue
            elif plan.duplicate_of is not None:
                kinds[DUPLICATE].append(lead)
            elif plan.story == "uncontacted" and lead.status == LeadStatus.ASSIGNED:
                kinds[FRESH].append(lead)
            elif plan.story == "contacted" and lead.status == LeadStatus.CONTACTED:
                kinds[WORKED].append(lead)
        for group in kinds.values():
            self.qrng.shuffle(group)
        return kinds

    def _dispute_lead(self, kinds: dict[str, list[Lead]], stories: list[DisputeStory],
                      outcome: str, marketer: User | None, used: set[int]
                      ) -> tuple[DisputeStory, Lead, list[datetime.datetime],
                                 datetime.datetime] | None:
        """The first story with a lead that fits it in time, with the moments of its calls
        and of the dispute. The dispute falls in the outcome's window (DISPUTE_WINDOWS), after
        the story's follow-ups (the last a few minutes before it, an earlier one a few working
        hours before), which come after whatever happened to the lead; whoever acts was not
        away."""
        low, high = DISPUTE_WINDOWS[outcome]
        latest = self._before(self.now, low)
        for story in stories:
            offsets = [self.qrng.randint(8, 25)]
            for _call in story.calls[1:]:
                offsets.insert(0, offsets[0] + self.qrng.randint(150, 240))
            offsets = offsets[:len(story.calls)]
            target = self._before(self.now, self.qrng.randint(low, high))
            for lead in kinds.get(story.kind, []):
                if lead.pk in used:
                    continue
                last = max(moment for moment in (lead.created_at, lead.assigned_at,
                                                 lead.last_follow_up_at, lead.pooled_at,
                                                 lead.closed_at) if moment)
                opened_at = max(target, self._after(last, (offsets[0] if offsets else 0) + 30))
                if opened_at > latest:
                    continue
                calls_at = [self._before(opened_at, minutes) for minutes in offsets]
                actor = marketer or lead.owner
                if all(user_is_available(user=actor, at=moment)
                       for moment in (*calls_at, opened_at)):
                    return story, lead, calls_at, opened_at
        return None

    @staticmethod
    def _dispute_texts(lead: Lead) -> dict[str, str | int]:
        original, first = lead.duplicate_of, lead.first_contacted_at
        first_day = timezone.localdate(first) if first else None
        return {
            "source": lead.source.name, "product": lead.product_interest or "产品",
            "original": original.source.name if original else "",
            "days": max((lead.created_at - original.created_at).days, 1) if original else 1,
            "first_contact": f"{first_day.month}月{first_day.day}日" if first_day else "",
        }

    def seed_disputes(self, org: Org, plans: list[LeadPlan]) -> None:
        """The reps' and marketing's disputes (SALES_DISPUTES, MARKETING_DISPUTES): each on a
        lead its story fits, with the follow-ups that led to it; ruled by the adjudicators in
        turn, one corrected by a quality head, the overdue one escalated as the scheduler
        would have. A dispute no lead fits is left out."""
        kinds = self.quality_candidates(plans)
        used: set[int] = set()
        disputes = [(outcome, [SALES_DISPUTE_STORIES[key] for key in keys], None)
                     for outcome, keys in SALES_DISPUTES]
        disputes += [(outcome, [MARKETING_DISPUTE_STORIES[code] for code in codes],
                      org.users[username]) for username, outcome, codes in MARKETING_DISPUTES]
        rulings = 0
        for outcome, stories, marketer in disputes:
            found = self._dispute_lead(kinds, stories, outcome, marketer, used)
            if found is None:
                continue
            story, lead, calls_at, opened_at = found
            used.add(lead.pk)
            texts = self._dispute_texts(lead)
            actor = marketer or lead.owner
            follow_ups = []
            # Each call's next step is the next call; the last one's, once the ruling is in:
            # a working day from now.
            next_steps_at = [*calls_at[1:], self._after(self.now, 8 * 60)][:len(calls_at)]
            for (channel, call_outcome, notes, next_step), when, next_step_at in zip(
                    story.calls, calls_at, next_steps_at, strict=True):
                follow_ups.append(follow_up_create(
                    lead=lead, author=actor, channel=channel, outcome=call_outcome,
                    notes=notes.format(**texts), next_step=next_step,
                    next_step_at=next_step_at, now=when))
                self._stamp(when, FollowUp)
            if marketer is not None:  # marketing points at sales's follow-ups
                follow_ups = list(FollowUp.objects.filter(lead=lead, created_at__lt=opened_at))
            dispute = dispute_open(lead=lead, actor=actor, ground=story.ground,
                                   evidence=story.evidence.format(**texts),
                                   follow_ups=follow_ups, now=opened_at, spec=self.spec)
            Dispute.objects.filter(pk=dispute.pk).update(created_at=opened_at,
                                                         updated_at=opened_at)
            self._stamp(opened_at, Notification)  # the quality heads heard of it
            if outcome in (RULED, CORRECTED):
                ruled_at = self._after(opened_at, self.qrng.randint(60, 300))
                ruling = dispute_rule(
                    dispute=dispute, verdict=story.verdict, reason=story.reason,
                    note=story.note.format(**texts), now=ruled_at,
                    actor=org.adjudicators[rulings % len(org.adjudicators)])
                rulings += 1
                self._stamp_ruling(ruling, ruled_at)
                if outcome == CORRECTED and story.correction and org.quality_heads:
                    corrected_at = self._after(ruled_at, self.qrng.randint(240, 420))
                    verdict, reason, note = story.correction
                    correction = ruling_correct(ruling=ruling, verdict=verdict, reason=reason,
                                                note=note, actor=org.quality_heads[0],
                                                now=corrected_at)
                    self._stamp_ruling(correction, corrected_at)
            elif outcome == OVERDUE:
                # The scheduler's job told the quality heads a minute after it fell due (and
                # would otherwise e-mail them at the worker's first start).
                escalated_at = dispute.due_at + datetime.timedelta(minutes=1)
                disputes_escalate_overdue(now=escalated_at)
                self._stamp(escalated_at, Notification)

    def seed_inspections(self, org: Org, scorecard: Scorecard) -> None:
        """The inspection draws of the last INSPECTION_DAYS working days, each at the job's
        time the night after. The inspectors work oldest first, taking turns: the oldest
        day's follow-ups are all scored, its double-scored ones by a second inspector too;
        of the next day about half; the newest day's all wait in the queue."""
        days = [day for day, _weight in self.days
                if day < self.today and self.spec.periods_on(day)][:INSPECTION_DAYS]
        criteria = list(scorecard.criteria.order_by("position", "pk"))
        scoreable = [criterion.label for criterion in criteria] == [c["label"] for c in CRITERIA]
        profiles: dict[int, str] = {}  # follow-up -> how its first scoring went
        flagged = False
        for day, share in zip(reversed(days), (1, 0.5, 0), strict=False):
            drawn_at = self._nightly(day, DRAW_TIME)
            inspections_draw(day=day, now=drawn_at, seed=SEED)
            Inspection.objects.filter(created_at__gte=self.now).update(created_at=drawn_at,
                                                                       updated_at=drawn_at)
            drawn = list(Inspection.objects.filter(drawn_on=day, scorecard=scorecard)
                         .select_related("follow_up").order_by("round", "pk"))
            firsts = [inspection for inspection in drawn if inspection.round == 1]
            work = firsts[:math.ceil(len(firsts) * share)] if scoreable else []
            if share == 1:
                work += [inspection for inspection in drawn if inspection.round == 2]
            moment = next_business_moment(moment=drawn_at, spec=self.spec) + \
                datetime.timedelta(minutes=self.qrng.randint(10, 40))
            for inspection in work:
                if moment >= self.now - datetime.timedelta(minutes=5):
                    break
                follow_up = inspection.follow_up
                if inspection.round == 1:
                    inspector = org.inspectors[len(profiles) % len(org.inspectors)]
                    profile = SCORING_CYCLE[len(profiles) % len(SCORING_CYCLE)]
                    not_genuine = not flagged and len(profiles) >= 2 and self._may_flag(inspection)
                    if not_genuine:
                        profile = "poor"
                    profiles[follow_up.pk] = profile
                else:
                    first_by = Inspection.objects.filter(follow_up=follow_up, round=1).values_list(
                        "inspector_id", flat=True).first()
                    others = [user for user in org.inspectors if user.pk != first_by]
                    if not others or follow_up.pk not in profiles:
                        continue  # one inspector only: round 2 waits for another
                    inspector, profile = others[0], SECOND_OPINION[profiles[follow_up.pk]]
                    not_genuine = False
                values, findings = SCORING[profile]
                inspection_score(
                    inspection=inspection, inspector=inspector, now=moment,
                    answers={criterion.pk: value
                             for criterion, value in zip(criteria, values, strict=True)},
                    findings=NOT_GENUINE_FINDINGS if not_genuine else findings,
                    not_genuine=not_genuine)
                flagged = flagged or not_genuine
                Inspection.objects.filter(pk=inspection.pk).update(updated_at=moment)
                self._stamp(moment, Notification)
                moment = self._after(moment, self.qrng.randint(12, 35))

    @staticmethod
    def _may_flag(inspection: Inspection) -> bool:
        """Flag a follow-up not genuine only where that changes nothing but the flag: one
        that claims a contact, on a lead with other genuine follow-ups (else the lead would
        count as never contacted and go back to the reassignment sweep), and not evidence of
        a dispute."""
        follow_up = inspection.follow_up
        return (follow_up.outcome != Outcome.NO_ANSWER
                and not follow_up.disputes.exists()
                and FollowUp.objects.filter(lead_id=follow_up.lead_id, not_genuine=False)
                .exclude(pk=follow_up.pk).exists())

    def seed_dispute_caps(self) -> None:
        """A cap per side over all sources. Written after the demo's disputes: a cap counts
        the disputed lead's calendar month, and near a month's start the demo's ten days of
        leads split over two months, whose smaller part would refuse the demo's own past."""
        for side in (DisputeSide.SALES, DisputeSide.MARKETING):
            DisputeCap.objects.get_or_create(source=None, side=side,
                                             defaults={"max_share": DISPUTE_CAP_SHARE})

    def mark_old_notifications_read(self) -> None:
        """The reps have read what the demo told them more than a day ago."""
        Notification.objects.filter(
            pk__gt=self.first_notification, read_at=None,
            created_at__lt=self.now - datetime.timedelta(days=1),
        ).update(read_at=F("created_at") + datetime.timedelta(hours=1))

    # The report -----------------------------------------------------------------------------

    def print_summary(self) -> None:
        now = timezone.now()
        leads = Lead.objects.filter(source__name__in=SOURCE_NAMES,
                                    external_id__startswith=EXTERNAL_PREFIX)
        statuses = dict(leads.values_list("status").annotate(n=Count("id")).order_by())
        by_status = ", ".join(f"{statuses[status]} {status}"
                              for status in LeadStatus.values if statuses.get(status))
        overdue = leads.annotate(deadline=deadline_expression()).filter(
            deadline__lte=now).count()
        pooled = leads.filter(pool__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(
            f"Demo leads created: {leads.count()} from {len(SOURCES)} sources ({by_status})."))
        self.stdout.write(
            f"{overdue} overdue, {pooled} in the lead pools, "
            f"{leads.filter(duplicate_of__isnull=False).count()} duplicates, "
            f"{FollowUp.objects.filter(lead__in=leads).count()} follow-ups, "
            f"{AssignmentRule.objects.count()} assignment rules. "
            "Notification e-mails were not sent.")
        self.stdout.write(self.quality_summary(now))

    def quality_summary(self, now: datetime.datetime) -> str:
        disputes = Dispute.objects.exclude(side=DisputeSide.SAMPLE)
        sides = dict(disputes.values_list("side").annotate(n=Count("id")).order_by())
        open_disputes = disputes.filter(status=DisputeStatus.OPEN)
        samples = Dispute.objects.filter(side=DisputeSide.SAMPLE)
        inspections = Inspection.objects.all()
        scored = inspections.filter(status=InspectionStatus.DONE).count()
        corrected = Ruling.objects.filter(supersedes__isnull=False).count()
        summary = (
            f"Quality: {disputes.count()} disputes ({sides.get(DisputeSide.SALES, 0)} by sales, "
            f"{sides.get(DisputeSide.MARKETING, 0)} by marketing; "
            f"{disputes.filter(status=DisputeStatus.RULED).count()} ruled, {corrected} "
            f"corrected, {open_disputes.count()} open of which "
            f"{open_disputes.filter(due_at__lte=now).count()} overdue), {samples.count()} "
            f"leads in the daily sample ({samples.filter(status=DisputeStatus.RULED).count()} "
            f"ruled), {inspections.count()} inspections ({scored} scored, "
            f"{inspections.count() - scored} waiting) on the scorecard {SCORECARD}.")
        if self.correction_skipped:
            summary += " No quality head outside the adjudicators: no ruling was corrected."
        return summary
