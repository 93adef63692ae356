"""The assistant's own training data: how customers say what they want, in Chinese and English.

Written for this bank, not taken from any evaluation set. Each intent has hand-written
phrasings; ``expand()`` adds the ways people open and close a message (您好, 请问, 谢谢, "hi",
"please") and fills the slots ({amount}, {date}, {tail}, {card}, {product}) with values, so
the model learns the wording and not one exact sentence. The held-out test set
(``data/heldout_zh.csv``) is written separately and never joins this data.
"""

from __future__ import annotations

import random
import re

SLOTS: dict[str, list[str]] = {
    "amount": ["5万", "3000块", "一万元", "2000元", "50万", "800块钱", "10万块", "1.5万",
               "五千", "20000", "三万块", "100元"],
    "amount_en": ["5,000 yuan", "300", "2000 RMB", "$500", "10k", "1500 yuan", "50,000"],
    "date": ["下周三", "月底", "明天", "后天", "这周五", "下个月", "12月15号", "下周一",
             "本月20号", "周末", "今天下午"],
    "date_en": ["tomorrow", "next Wednesday", "the end of the month", "Friday", "next week",
                "on the 15th", "Monday morning"],
    "tail": ["1234", "5678", "0921", "3306", "8817", "4402"],
    "card": ["银行卡", "借记卡", "储蓄卡", "信用卡", "工资卡", "社保卡", "卡"],
    "card_en": ["debit card", "credit card", "card", "bank card", "salary card"],
    "deposit": ["定期", "大额存单", "定期存款", "三年定期", "一年期定期", "存单"],
    "deposit_en": ["time deposit", "CD", "fixed deposit", "term deposit"],
    "wealth": ["理财", "理财产品", "基金", "稳健理财", "净值型理财", "货币基金"],
    "loan": ["贷款", "消费贷", "房贷", "经营贷", "车贷", "信用贷"],
}

ZH: dict[str, list[str]] = {
    "balance_inquiry": [
        "查一下余额", "我卡里还有多少钱", "帮我查查余额", "账户余额是多少", "我的{card}还剩多少钱",
        "尾号{tail}的卡余额多少", "看看我还有多少钱", "余额查询", "我想知道账户里还有多少钱",
        "查询{card}余额", "我现在有多少存款", "卡上还有钱吗", "工资到了没，看下余额", "余额",
        "活期账户有多少钱", "帮我看一下我的账户余额", "还剩多少钱啊", "我存了多少钱了",
        "账上还有多少", "查下我的可用余额", "我的钱还有多少", "钱包里还有多少钱",
        "能查余额吗", "我想看看账户里的钱", "余额是多少呀",
    ],
    "transaction_history": [
        "卡上被扣了钱是怎么回事", "昨天扣了我{amount}是什么费用", "这笔支出我没印象", "查一下最近的扣款", "我的账户少了钱想看看明细", "帮我查一下这周的消费",
        "查一下最近的交易记录", "我想看交易明细", "最近有哪些消费", "这个月花了多少钱",
        "帮我查流水", "打印一下银行流水", "昨天那笔扣款是什么", "有一笔{amount}的扣款我不认识是什么",
        "查{date}的交易", "最近的收支明细", "看看最近几笔交易", "账单明细在哪看",
        "为什么扣了我{amount}", "我的卡怎么少了{amount}", "近三个月流水怎么开", "查询收支记录",
        "这笔钱是哪里来的", "收到一笔转账是谁转的", "有笔入账想查一下", "历史交易怎么查",
        "上个月的交易记录", "消费记录", "看下最近五笔交易", "交易明细", "开具流水证明",
    ],
    "transfer": [
        "我要转账", "怎么转账给别人", "帮我转{amount}给我妈", "跨行转账怎么操作", "给朋友汇款",
        "我想汇{amount}到他行", "转账", "转一笔钱", "怎么给别的银行转钱", "手机银行怎么转账",
        "我要给张三转{amount}", "汇款到外地", "怎么把钱转到我另一张卡", "转账到支付宝",
        "同行转账要多久", "能不能帮我转账", "给房东转房租", "转钱给家里人", "我想打款给对方",
        "怎么汇款", "转账给公司账户", "实时到账转账怎么弄", "想转点钱出去", "转{amount}",
    ],
    "transfer_not_received": [
        "转账一直在处理中", "汇款显示处理中好久了", "钱还在途中吗", "对方迟迟没收到钱", "转的钱一直没有到对方账户", "我给朋友转了{amount}对方没收到",
        "转账没到账", "钱转过去对方没收到", "我转的钱怎么还没到", "汇款一直显示处理中",
        "转账失败了钱去哪了", "跨行转账好几天了还没到", "对方说没收到我的转账", "钱被退回了吗",
        "转账显示成功但对方没收到", "{date}转的钱还没到账", "汇款到账要多久，我的还没到",
        "转出去的{amount}不见了", "转账在途怎么办", "工资转账没到", "转账一直没到账怎么回事",
        "钱扣了对方没收到", "我的汇款卡住了", "转账被退回", "我转的钱到哪里了", "还没收到款",
        "别人给我转的钱还没到", "转账到账了吗",
    ],
    "deposit_renewal": [
        "我的定期快到期了", "存款到期了怎么办", "帮我续存", "{deposit}到期转存", "到期后继续存",
        "定期到期自动转存吗", "{deposit}{date}到期，想续存", "到期转存", "存单到期了要续一下",
        "我的{deposit}到期了想再存一年", "续存定期", "到期的钱帮我再存进去", "我要办理转存",
        "大额存单到期续存", "定期到期了我想接着存", "钱到期了，想续期", "定期续期",
        "我的存款什么时候到期", "到期的定期怎么处理", "存款快到期了能续存吗", "帮我把到期的定期转存三年",
        "定期到期本息一起转存", "到期提醒说我的存款要到期了", "存款到期续存利率多少",
    ],
    "deposit_rates": [
        "定期利率是多少", "现在存款利息多少", "三年定期利率", "大额存单利率", "一年期利率多少",
        "存{amount}一年利息多少", "存款利率", "你们行利率高吗", "定期存款年利率", "活期利息多少",
        "五年期利率多少", "利率最近降了吗", "存两年利息多少", "利息怎么算", "现在存定期划算吗",
        "最新存款利率表", "大额存单利息是多少", "三个月定期利率", "存{amount}三年能拿多少利息",
        "哪个期限利率最高",
    ],
    "open_time_deposit": [
        "我想存定期", "怎么办理定期存款", "存{amount}定期", "买大额存单", "我要存一笔定期",
        "帮我存{amount}三年定期", "线上可以存定期吗", "手机上怎么存定期", "我要买存单",
        "把活期转成定期", "办一个一年期定期", "存定期", "大额存单怎么买", "起存金额多少",
        "我想把钱存起来吃利息", "开一张存单", "存三年", "新开定期存款", "想存个定期",
        "存{amount}进定期",
    ],
    "wealth_products": [
        "有什么理财产品", "推荐一款理财", "理财收益怎么样", "我想买理财", "稳健的理财有哪些",
        "{wealth}怎么买", "基金怎么买", "理财产品风险高吗", "有没有保本理财", "买{amount}理财",
        "最近有什么好的{wealth}", "理财产品收益率多少", "我想投资一点", "理财", "有短期理财吗",
        "低风险理财推荐", "买基金", "净值型理财是什么", "理财起购金额", "想买点理财产品",
    ],
    "wealth_redemption": [
        "理财赎回", "我的理财什么时候到期", "赎回基金", "理财到期钱什么时候到账", "把理财卖掉",
        "赎回{amount}理财", "理财能提前赎回吗", "理财到期了钱去哪了", "基金赎回多久到账",
        "我要取出理财的钱", "理财产品到期日", "赎回", "理财到期自动回到卡里吗", "卖出理财",
        "我的理财产品到期了吗", "理财什么时候兑付", "赎回理财要手续费吗", "赎回到账时间",
    ],
    "loan_application": [
        "我想贷款", "怎么申请{loan}", "能贷多少钱", "申请贷款需要什么材料", "我要借{amount}",
        "房贷怎么办", "贷款利率多少", "我符合贷款条件吗", "装修贷款", "消费贷怎么申请",
        "小微企业贷款", "线上贷款", "想借点钱周转", "贷款额度多少", "经营贷申请",
        "我能申请信用贷吗", "借钱", "申请{loan}{amount}", "买车贷款", "贷款审批要多久",
    ],
    "loan_repayment": [
        "月供什么时候扣款", "每个月几号扣贷款", "房贷扣款日期", "这个月月供扣了没有", "贷款每月扣多少", "月供怎么交",
        "怎么还贷款", "这个月贷款还了吗", "提前还款", "贷款还款日是哪天", "还款", "月供多少",
        "我要还{amount}贷款", "房贷每月还多少", "贷款还剩多少没还", "提前还清贷款",
        "还款计划", "贷款自动扣款吗", "贷款逾期了怎么办", "下期还款金额", "还{loan}",
        "我想一次性还清", "贷款扣款失败", "每期还款明细",
    ],
    "repayment_deferral": [
        "信用卡还款能延后吗", "信用卡账单可以晚几天还吗", "信用卡逾期前能申请延期吗", "疫情期间信用卡能缓还吗",
        "能延期还款吗", "疫情期间还不上贷款", "申请延期还款", "最近困难房贷能缓一缓吗",
        "信用卡能晚点还吗", "贷款能推迟还吗", "失业了还不起贷款", "延期还款政策",
        "能不能申请还款宽限期", "受疫情影响还款有困难", "贷款展期", "还款日能往后推吗",
        "有没有延期还款的政策", "我想申请缓还", "生病住院了贷款能延期吗", "暂时还不上月供",
        "推迟{date}再还可以吗", "还款有困难怎么办",
    ],
    "credit_card_bill": [
        "信用卡账单多少", "这期信用卡要还多少", "信用卡还款日", "最低还款额是多少",
        "信用卡账单分期", "信用卡怎么还款", "账单日是几号", "信用卡欠款多少",
        "信用卡本期账单", "信用卡分期手续费", "信用卡还款", "查信用卡账单", "信用卡逾期了",
        "信用卡额度", "这个月刷了多少信用卡", "信用卡自动还款", "账单分十二期",
    ],
    "card_lost": [
        "我的卡丢了", "银行卡丢了怎么办", "挂失", "帮我把卡冻结", "卡被偷了", "钱包丢了卡也在里面",
        "尾号{tail}的卡丢了", "挂失{card}", "找不到我的{card}了", "卡掉了", "我要挂失银行卡",
        "卡丢了赶紧冻结", "卡被人捡走了怎么办", "紧急挂失", "卡遗失", "信用卡丢了",
        "手机和卡一起丢了", "我的卡不见了", "冻结我的卡", "卡丢了会不会被盗刷", "能帮我锁卡吗",
        "卡被ATM吞了", "卡落在出租车上了", "临时挂失",
    ],
    "card_activation": [
        "新卡怎么激活", "激活{card}", "卡片激活", "收到新卡了要激活吗", "信用卡激活",
        "怎么开卡", "新办的卡用不了", "激活银行卡", "卡还没激活", "补办的卡怎么启用",
        "我要激活卡", "新卡开通", "寄来的卡怎么激活", "激活", "卡片启用",
    ],
    "card_limit": [
        "转账额度不够用", "每日转账额度能提高吗", "手机银行的额度怎么调整", "ATM每天能取多少", "取款额度可以调吗", "支付额度太低付不了款", "把单日额度改成{amount}", "额度上限是多少", "付款提示超出额度", "调整一下每笔限额",
        "转账限额怎么调", "提高转账额度", "每天最多转多少", "卡的限额太低了", "调整支付限额",
        "修改交易限额", "把限额调高到{amount}", "降低卡的消费限额", "限额", "ATM取款限额",
        "提额", "单笔限额多少", "网银转账限额", "怎么调高日限额", "支付宝绑卡限额",
        "转账超限额了", "限额调低一点", "设置交易限额",
    ],
    "password_reset": [
        "忘记密码了", "密码锁了", "重置密码", "登录密码忘了", "支付密码忘了", "银行卡密码忘记了",
        "密码输错三次被锁", "怎么修改密码", "改密码", "手机银行登录不了忘了密码", "找回密码",
        "交易密码忘记了怎么办", "密码被锁定了", "修改卡密码", "重设登录密码", "密码错误次数太多",
    ],
    "account_opening": [
        "我想开户", "怎么办卡", "线上能开户吗", "办一张借记卡", "开一个账户", "开户需要什么",
        "给孩子办张卡", "新开一张银行卡", "开二类户", "办卡", "手机上能开户吗", "开户",
        "外地人能开户吗", "我想办张储蓄卡", "开通电子账户", "申请借记卡", "注册一个账户",
    ],
    "payroll_service": [
        "代发工资怎么办", "公司想在你们行代发工资", "工资卡怎么办", "代发工资业务", "办工资卡",
        "员工代发", "企业代发工资手续", "公司工资卡开户", "我是新员工要办工资卡", "代发",
        "工资代发服务费", "工资卡和普通卡有什么区别", "我们单位要批量开工资卡", "发工资用哪张卡",
        "代发工资到账时间",
    ],
    "update_contact_info": [
        "换手机号了", "修改预留手机号", "更新地址", "身份证到期了要更新", "修改个人信息",
        "改一下联系方式", "手机号变了怎么改", "更新身份证信息", "改地址", "换绑手机号",
        "预留手机号不用了", "修改住址", "更新证件有效期", "变更联系电话", "个人资料怎么改",
        "改名字了要更新吗", "修改邮箱",
    ],
    "mobile_banking_help": [
        "手机银行登录不了", "app打不开", "手机银行闪退", "app一直报错", "收不到验证码",
        "手机银行怎么用", "人脸识别不通过", "app怎么下载", "手机银行提示系统繁忙", "登录一直转圈",
        "换手机了怎么登录手机银行", "app更新后用不了", "网银怎么开通", "手机银行注册",
        "验证码收不到", "app显示网络错误", "手机银行卡顿", "指纹登录怎么设置", "app里找不到转账",
    ],
    "fees": [
        "这项服务收费吗", "收多少钱手续费", "短信提醒每个月收几块钱", "转账要花钱吗", "汇款收费标准是什么", "办卡要钱吗", "管理费怎么收的", "为什么扣了我{amount}服务费", "挂失要收费吗", "取现要不要手续费",
        "手续费多少", "转账收手续费吗", "跨行转账手续费", "年费怎么收", "取现手续费",
        "账户管理费", "短信提醒收费吗", "为什么扣了我年费", "小额账户管理费", "汇款手续费",
        "异地取款收费吗", "手续费", "有什么费用", "免手续费吗", "卡的年费能免吗", "收费标准",
    ],
    "exchange_rates": [
        "美元汇率多少", "今天汇率", "换外币", "人民币兑美元", "日元汇率", "我想换点美元",
        "欧元现在多少钱", "购汇", "结汇", "港币汇率", "外汇牌价", "换{amount}美元", "汇率",
        "出国换钱", "英镑兑人民币", "外币兑换",
    ],
    "branch_info": [
        "你们周末上班吗", "周日网点开门吗", "节假日营业吗", "五一期间网点开不开", "网点下午几点关门", "你们上班时间是几点", "营业厅在什么地方", "哪个支行离我近", "附近的取款机在哪里", "元旦网点营业时间",
        "最近的网点在哪", "营业时间", "周末营业吗", "附近有没有ATM", "网点地址",
        "你们几点下班", "哪个网点能办业务", "银行在哪里", "网点电话", "春节营业时间",
        "附近的支行", "ATM在哪", "今天开门吗", "网点几点开门", "离我最近的银行",
        "城南支行地址", "哪里可以存现金",
    ],
    "appointment": [
        "预约", "我想预约{date}去网点", "预约大额取现", "预约取{amount}现金", "约客户经理",
        "帮我预约一下", "预约办业务", "想约个时间去银行", "预约取款", "{date}去网点办业务要预约吗",
        "预约上门服务", "让客户经理给我打电话", "预约排号", "我要预约{date}取{amount}",
        "预约开户", "约一下理财经理", "预约网点", "订个时间",
    ],
    "fraud_report": [
        "我被骗了", "有人冒充客服骗我转账", "卡被盗刷了", "账户被盗了", "有一笔不是我操作的交易",
        "收到诈骗短信", "可疑交易", "我的钱被偷了", "有人盗用我的卡", "账号被黑了",
        "刚才被骗转了{amount}", "有陌生人让我转账", "我怀疑被诈骗了", "卡里的钱莫名其妙少了",
        "举报诈骗", "有人冒充银行给我打电话", "被盗刷{amount}", "我的卡在外地被消费了",
        "不是我本人的消费", "账户异常登录",
    ],
    "complaint": [
        "我要投诉", "投诉你们的工作人员", "服务态度太差了", "我要投诉客户经理", "太差劲了，我要投诉",
        "对服务不满意", "投诉", "提个意见", "你们的柜员态度恶劣", "排队太久了我要投诉",
        "我要举报你们的员工", "乱收费我要投诉", "给你们提个建议", "投诉电话多少", "你们这服务太烂了",
        "我要给你们差评", "被工作人员骂了",
    ],
    "human_agent": [
        "我要找客服人员", "让工作人员跟我说", "请帮我接通客服", "我要找你们的工作人员", "找个人工客服", "给我找一个真人客服", "接通人工", "换个人工来",
        "转人工", "人工客服", "我要找人工", "找真人", "人工服务", "接人工", "不想跟机器人说话",
        "帮我转人工客服", "有没有人工", "找客服", "我要跟真人说", "转接人工", "人工", "叫你们的人来",
        "能找个人跟我说吗", "机器人听不懂，找人工", "我要人工服务", "找个客服聊",
    ],
    "epidemic_services": [
        "疫情期间网点开门吗", "疫情相关政策", "在线问诊", "疫情期间怎么办业务", "核酸检测点在哪",
        "疫情期间有什么优惠", "防疫信息", "疫情补贴", "线上看医生", "发烧了怎么办",
        "隔离期间能办业务吗", "疫情纾困政策", "疫苗接种点", "疫情期间网点营业时间", "居家隔离怎么取钱",
    ],
    "greeting": [
        "哈喽哈喽", "哈喽你好", "您好在吗", "有人在吗",
        "你好", "您好", "在吗", "hello", "嗨", "早上好", "有人吗", "你好呀", "哈喽", "喂",
        "晚上好", "下午好", "在不在", "你好，在吗", "hi",
    ],
    "thanks_goodbye": [
        "谢谢", "好的谢谢", "再见", "拜拜", "多谢", "谢谢你", "没问题了，谢谢", "好的，知道了",
        "辛苦了", "感谢", "明白了谢谢", "就这样吧", "好的再见", "没事了", "谢啦",
    ],
    "out_of_scope": [
        "帮我写一篇作文", "作一首诗", "推荐个旅游景点", "周末去哪玩", "帮我算一下数学题", "你觉得我该买哪只股票", "哪家餐厅好吃",
        "今天天气怎么样", "讲个笑话", "你喜欢什么电影", "帮我订机票", "附近有什么好吃的",
        "你几岁了", "股票明天会涨吗", "推荐一本书", "世界杯谁赢了", "怎么做红烧肉",
        "帮我写作业", "你是男的女的", "唱首歌", "北京到上海多远", "明天会下雨吗",
        "你会下棋吗", "帮我叫个外卖", "彩票号码", "怎么减肥", "给我讲个故事",
        "火车票怎么买", "比特币价格", "电影院几点开门", "手机怎么截图", "狗狗生病了怎么办",
    ],
}

EN: dict[str, list[str]] = {
    "balance_inquiry": [
        "what's my balance", "check my balance", "how much money do I have", "balance please",
        "how much is left on my {card_en}", "account balance", "show me my balance",
        "what is the balance of the card ending {tail}", "do I have money in my account",
        "how much is in my savings", "check balance",
    ],
    "transaction_history": [
        "show my recent transactions", "transaction history", "what did I spend this month",
        "there is a charge of {amount_en} I don't recognise", "list my last payments",
        "I need a bank statement", "what is this payment", "recent transactions",
        "where did this deduction come from", "show me last month's statement",
    ],
    "transfer": [
        "I want to transfer money", "send {amount_en} to my mother", "how do I make a transfer",
        "transfer to another bank", "wire money", "send money to a friend", "make a payment to",
        "transfer {amount_en}", "how to send money abroad", "pay my landlord",
    ],
    "transfer_not_received": [
        "my transfer has not arrived", "the money I sent hasn't been received",
        "transfer still pending", "where is my transfer", "the recipient didn't get the money",
        "transfer failed but money was taken", "transfer from {date_en} still not there",
        "why is my transfer taking so long", "the payment was returned",
    ],
    "deposit_renewal": [
        "my time deposit is maturing", "renew my deposit", "my CD matures {date_en}",
        "roll over my fixed deposit", "what happens when my deposit matures",
        "I want to renew my {deposit_en}", "when does my deposit mature", "reinvest my deposit",
        "my term deposit is due, renew it",
    ],
    "deposit_rates": [
        "what are your deposit rates", "interest rate for a 1 year deposit",
        "how much interest for a 3 year CD", "current savings rates", "what rate do you pay",
        "interest on {amount_en} for a year", "CD rates",
    ],
    "open_time_deposit": [
        "I want to open a time deposit", "put {amount_en} into a fixed deposit", "buy a CD",
        "open a term deposit", "how do I start a fixed deposit", "minimum amount for a CD",
        "I'd like to save money in a deposit",
    ],
    "wealth_products": [
        "what investment products do you have", "recommend a wealth product",
        "I want to buy a fund", "low risk investments", "wealth management products",
        "returns on your funds", "invest {amount_en}",
    ],
    "wealth_redemption": [
        "redeem my fund", "when does my wealth product mature", "sell my investment",
        "when will the redemption money arrive", "cash out my wealth product",
        "can I redeem early",
    ],
    "loan_application": [
        "I want to apply for a loan", "how much can I borrow", "mortgage application",
        "personal loan", "do I qualify for a loan", "borrow {amount_en}", "business loan",
        "loan interest rate", "apply for a car loan",
    ],
    "loan_repayment": [
        "how do I repay my loan", "pay off my loan early", "when is my loan payment due",
        "monthly instalment amount", "repay {amount_en} of my loan", "how much do I still owe",
        "my loan repayment failed",
    ],
    "repayment_deferral": [
        "can I postpone my loan payment", "defer my repayment", "I can't pay my mortgage this month",
        "payment holiday", "delay my credit card payment", "hardship relief for my loan",
        "lost my job, can I pay later",
    ],
    "credit_card_bill": [
        "credit card bill", "how much do I owe on my credit card", "credit card due date",
        "minimum payment", "pay my credit card", "split my bill into instalments",
        "credit card statement",
    ],
    "card_lost": [
        "I lost my card", "my card was stolen", "block my card", "freeze my card",
        "I can't find my {card_en}", "report a lost card", "card ending {tail} is lost",
        "my wallet was stolen with my cards", "the ATM swallowed my card", "lock my card",
    ],
    "card_activation": [
        "activate my card", "how do I activate the new card", "my new card arrived",
        "card activation", "new card doesn't work", "activate credit card",
    ],
    "card_limit": [
        "raise my transfer limit", "change my card limit", "what is my daily limit",
        "increase the payment limit to {amount_en}", "lower my spending limit",
        "transfer limit too low",
    ],
    "password_reset": [
        "I forgot my password", "reset my PIN", "my password is locked", "change my password",
        "forgot login password", "locked out after wrong PIN",
    ],
    "account_opening": [
        "open a new account", "I want a debit card", "open an account online",
        "how to open an account", "apply for a debit card", "open an account for my child",
    ],
    "payroll_service": [
        "payroll service for my company", "salary account", "pay employees through your bank",
        "payroll card", "set up payroll", "open a salary card",
    ],
    "update_contact_info": [
        "change my phone number", "update my address", "my ID card expired",
        "update personal details", "new mobile number", "change contact info",
    ],
    "mobile_banking_help": [
        "the app won't open", "can't log in to mobile banking", "app keeps crashing",
        "I'm not getting the verification code", "how to use the app", "face recognition fails",
        "app shows an error",
    ],
    "fees": [
        "what are the fees", "is there a transfer fee", "annual fee", "why was I charged a fee",
        "ATM withdrawal fee", "account maintenance fee",
    ],
    "exchange_rates": [
        "exchange rate for dollars", "USD to CNY", "buy foreign currency", "euro rate today",
        "exchange money", "how much is a dollar",
    ],
    "branch_info": [
        "nearest branch", "opening hours", "where is an ATM", "are you open on Sunday",
        "branch address", "what time do you close",
    ],
    "appointment": [
        "book an appointment", "schedule a visit {date_en}", "book a large cash withdrawal",
        "I want to see a relationship manager", "make an appointment at the branch",
        "have an advisor call me", "appointment to withdraw {amount_en}",
    ],
    "fraud_report": [
        "I've been scammed", "someone stole money from my account", "suspicious transaction",
        "my account was hacked", "fraud on my card", "a payment I didn't make",
        "someone pretending to be the bank called me",
    ],
    "complaint": [
        "I want to complain", "terrible service", "complaint about a staff member",
        "I'm not happy with your service", "file a complaint", "your staff was rude",
    ],
    "human_agent": [
        "talk to a human", "real person please", "agent", "I want to speak to someone",
        "customer service representative", "connect me to an agent", "human",
    ],
    "epidemic_services": [
        "covid policies", "epidemic relief", "online doctor", "are branches open during the epidemic",
        "where can I get tested", "pandemic support",
    ],
    "greeting": [
        "hello", "hi", "hey there", "good morning", "are you there", "anyone there",
        "good evening", "hi there",
    ],
    "thanks_goodbye": [
        "thanks", "thank you", "bye", "goodbye", "that's all, thanks", "ok thanks",
        "great, thank you", "see you",
    ],
    "out_of_scope": [
        "what's the weather", "tell me a joke", "book a flight", "who won the game",
        "what's your favorite movie", "recipe for dumplings", "will stocks go up",
        "sing a song", "how far is the moon", "help with my homework",
    ],
}

OPENERS_ZH = ["", "", "", "您好，", "你好，", "请问", "麻烦问一下，", "我想问下，", "帮我看看，",
              "急！", "那个，", "客服，"]
CLOSERS_ZH = ["", "", "", "？", "吗", "呢", "，谢谢", "，急", "。", "呀", "，麻烦了"]
OPENERS_EN = ["", "", "", "hi, ", "hello, ", "please ", "can you ", "i need to know ",
              "quick question: "]
CLOSERS_EN = ["", "", "", "?", " please", ", thanks", ".", " asap"]
SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, rng: random.Random) -> str:
    return SLOT.sub(lambda match: rng.choice(SLOTS[match.group(1)]), template)


def expand(*, seed: int = 15, variants: int = 4) -> list[tuple[str, str, int]]:
    """(text, intent, group) rows: each phrasing as written plus ``variants`` more with other
    openers, closers and slot values, all in the phrasing's group; the same seed gives the
    same data."""
    rng = random.Random(seed)  # noqa: S311 - varied wording, not secrets
    rows: list[tuple[str, str, int]] = []
    group = 0
    for phrases, openers, closers in ((ZH, OPENERS_ZH, CLOSERS_ZH),
                                      (EN, OPENERS_EN, CLOSERS_EN)):
        for intent, texts in phrases.items():
            for template in texts:
                seen = {_fill(template, rng)}
                for _ in range(variants):
                    seen.add(rng.choice(openers) + _fill(template, rng) + rng.choice(closers))
                group += 1
                rows.extend((text, intent, group) for text in sorted(seen))
    return rows
