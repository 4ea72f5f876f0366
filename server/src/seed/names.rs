//! Word lists for the demo dataset: cities by region, company name parts, people's names,
//! products. Each Chinese word carries its pinyin so English names read naturally.

use super::vocab::{Industry, Region};

/// (region, Chinese name, English name) of each sales region.
pub const REGIONS: [(Region, &str, &str); 5] = [
    (Region::EastChina, "华东", "East China"),
    (Region::SouthChina, "华南", "South China"),
    (Region::NorthChina, "华北", "North China"),
    (Region::SouthwestChina, "西南", "Southwest China"),
    (Region::CentralChina, "华中", "Central China"),
];

/// (region, city, pinyin, weight).
pub const CITIES: &[(Region, &str, &str, u32)] = &[
    (Region::EastChina, "上海", "Shanghai", 10),
    (Region::EastChina, "杭州", "Hangzhou", 6),
    (Region::EastChina, "南京", "Nanjing", 5),
    (Region::EastChina, "苏州", "Suzhou", 6),
    (Region::EastChina, "宁波", "Ningbo", 4),
    (Region::EastChina, "合肥", "Hefei", 3),
    (Region::SouthChina, "深圳", "Shenzhen", 9),
    (Region::SouthChina, "广州", "Guangzhou", 7),
    (Region::SouthChina, "东莞", "Dongguan", 5),
    (Region::SouthChina, "佛山", "Foshan", 4),
    (Region::SouthChina, "厦门", "Xiamen", 3),
    (Region::NorthChina, "北京", "Beijing", 9),
    (Region::NorthChina, "天津", "Tianjin", 5),
    (Region::NorthChina, "济南", "Jinan", 3),
    (Region::NorthChina, "青岛", "Qingdao", 4),
    (Region::NorthChina, "石家庄", "Shijiazhuang", 2),
    (Region::SouthwestChina, "成都", "Chengdu", 6),
    (Region::SouthwestChina, "重庆", "Chongqing", 6),
    (Region::SouthwestChina, "昆明", "Kunming", 2),
    (Region::SouthwestChina, "贵阳", "Guiyang", 2),
    (Region::CentralChina, "武汉", "Wuhan", 6),
    (Region::CentralChina, "长沙", "Changsha", 4),
    (Region::CentralChina, "郑州", "Zhengzhou", 4),
    (Region::CentralChina, "南昌", "Nanchang", 2),
];

pub const CORE_FIRST: &[(&str, &str)] = &[
    ("华", "Hua"),
    ("鑫", "Xin"),
    ("恒", "Heng"),
    ("宏", "Hong"),
    ("金", "Jin"),
    ("天", "Tian"),
    ("瑞", "Rui"),
    ("永", "Yong"),
    ("新", "Xin"),
    ("博", "Bo"),
    ("嘉", "Jia"),
    ("中", "Zhong"),
    ("海", "Hai"),
    ("万", "Wan"),
    ("立", "Li"),
    ("佳", "Jia"),
    ("盛", "Sheng"),
    ("德", "De"),
    ("康", "Kang"),
    ("明", "Ming"),
    ("安", "An"),
    ("福", "Fu"),
    ("联", "Lian"),
    ("众", "Zhong"),
    ("正", "Zheng"),
    ("顺", "Shun"),
    ("美", "Mei"),
    ("东", "Dong"),
    ("泰", "Tai"),
    ("光", "Guang"),
];

pub const CORE_SECOND: &[(&str, &str)] = &[
    ("创", "chuang"),
    ("达", "da"),
    ("通", "tong"),
    ("远", "yuan"),
    ("成", "cheng"),
    ("丰", "feng"),
    ("宇", "yu"),
    ("禾", "he"),
    ("邦", "bang"),
    ("信", "xin"),
    ("源", "yuan"),
    ("科", "ke"),
    ("和", "he"),
    ("泰", "tai"),
    ("盛", "sheng"),
    ("辉", "hui"),
    ("星", "xing"),
    ("威", "wei"),
    ("隆", "long"),
    ("华", "hua"),
];

/// The trade word in a company's name, by industry: (Chinese, English).
pub fn industry_words(industry: Industry) -> (&'static str, &'static str) {
    match industry {
        Industry::Manufacturing => ("机械制造", "Machinery Manufacturing"),
        Industry::Electronics => ("电子科技", "Electronics Technology"),
        Industry::Retail => ("商贸", "Trading"),
        Industry::Construction => ("建设工程", "Construction Engineering"),
        Industry::Healthcare => ("医疗器械", "Medical Devices"),
        Industry::Logistics => ("物流", "Logistics"),
        Industry::Education => ("教育科技", "Education Technology"),
        Industry::Finance => ("投资管理", "Investment Management"),
        Industry::Food => ("食品", "Food"),
        Industry::Energy => ("新能源", "New Energy"),
    }
}

/// Foreign-invested customers carry English names.
pub const EN_COMPANY_FIRST: &[&str] = &[
    "Pacific",
    "Summit",
    "Northstar",
    "Bluewater",
    "Evergreen",
    "Silverline",
    "Harbor",
    "Keystone",
    "Crestview",
    "Golden Gate",
    "Ironwood",
    "Lakeside",
    "Meridian",
    "Oakridge",
    "Redwood",
    "Sterling",
];
pub const EN_COMPANY_SECOND: &[&str] =
    &["Precision", "Industrial", "Components", "Systems", "Foods", "Logistics", "Medical", "Energy", "Trading", "Automation", "Materials", "Packaging"];

pub const SURNAMES: &[(&str, &str)] = &[
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("胡", "Hu"),
    ("朱", "Zhu"),
    ("高", "Gao"),
    ("林", "Lin"),
    ("何", "He"),
    ("郭", "Guo"),
    ("马", "Ma"),
    ("罗", "Luo"),
];
pub const GIVEN_NAMES: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂英", "guiying"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
    ("文博", "wenbo"),
    ("雨婷", "yuting"),
    ("子涵", "zihan"),
    ("俊杰", "junjie"),
];
pub const EN_FIRST: &[&str] = &["David", "Sarah", "Michael", "Emma", "James", "Olivia", "Daniel", "Sophie", "Thomas", "Laura", "Peter", "Anna"];
pub const EN_LAST: &[&str] = &["Miller", "Schmidt", "Johnson", "Brown", "Weber", "Taylor", "Anderson", "Martin", "Clarke", "Fischer"];

/// (Chinese title, English title, usually decides on purchases).
pub const TITLES: &[(&str, &str, bool)] = &[
    ("总经理", "General Manager", true),
    ("采购经理", "Purchasing Manager", true),
    ("技术总监", "Technical Director", true),
    ("财务经理", "Finance Manager", false),
    ("项目经理", "Project Manager", false),
    ("工程师", "Engineer", false),
    ("行政主管", "Office Manager", false),
    ("生产主管", "Production Supervisor", false),
];

/// (sku, Chinese name, English name, unit, price in yuan, cost as % of price).
pub const PRODUCTS: &[(&str, &str, &str, &str, i64, i64)] = &[
    ("KD-S100", "工业温度传感器", "Industrial temperature sensor", "个", 680, 52),
    ("KD-S200", "压力变送器", "Pressure transmitter", "个", 1_450, 55),
    ("KD-S300", "激光测距传感器", "Laser distance sensor", "个", 3_200, 58),
    ("KD-P110", "PLC 控制器", "PLC controller", "台", 8_800, 62),
    ("KD-P220", "PLC 扩展模块", "PLC expansion module", "个", 1_980, 50),
    ("KD-M400", "伺服电机 400W", "Servo motor 400 W", "台", 2_650, 60),
    ("KD-M750", "伺服电机 750W", "Servo motor 750 W", "台", 3_480, 61),
    ("KD-D750", "伺服驱动器", "Servo drive", "台", 3_900, 63),
    ("KD-V015", "变频器 1.5kW", "Inverter 1.5 kW", "台", 1_760, 58),
    ("KD-V110", "变频器 11kW", "Inverter 11 kW", "台", 7_400, 60),
    ("KD-H070", "7 寸触摸屏", "7-inch HMI touch panel", "台", 2_300, 54),
    ("KD-H150", "15 寸工业平板", "15-inch industrial panel PC", "台", 9_600, 65),
    ("KD-G100", "工业物联网网关", "Industrial IoT gateway", "台", 4_200, 48),
    ("KD-R600", "六轴协作机器人", "Six-axis collaborative robot", "台", 168_000, 70),
    ("KD-R300", "SCARA 机器人", "SCARA robot", "台", 86_000, 68),
    ("KD-C500", "视觉检测系统", "Machine vision inspection system", "套", 45_000, 55),
    ("KD-L200", "智能仓储货架", "Smart warehouse rack", "组", 12_800, 66),
    ("KD-A100", "AGV 搬运车", "AGV transport vehicle", "台", 128_000, 72),
    ("KD-E050", "储能电池柜", "Energy storage cabinet", "台", 56_000, 74),
    ("KD-SW01", "MES 软件许可", "MES software licence", "套", 98_000, 20),
    ("KD-SW02", "设备管理云服务(年)", "Equipment cloud service (year)", "年", 24_000, 25),
    ("KD-SV01", "安装调试服务", "Installation and commissioning", "次", 6_500, 40),
    ("KD-SV02", "年度维保服务", "Annual maintenance contract", "年", 18_000, 35),
    ("KD-SV03", "操作培训", "Operator training", "天", 3_800, 30),
    ("KD-K010", "电缆及接插件套装", "Cable and connector kit", "套", 420, 45),
    ("KD-K020", "控制柜", "Control cabinet", "台", 15_600, 64),
];

pub const SOURCES: &[(&str, u32)] = &[("referral", 20), ("exhibition", 18), ("website", 15), ("cold_call", 12), ("partner", 15), ("existing_customer", 20)];

/// Streets for demo addresses.
pub const ROADS: &[&str] = &["人民路", "解放路", "中山路", "建设路", "科技路", "长江路", "新华路", "工业大道", "创业路", "文化路"];

/// Demo customer tags.
pub const TAGS: &[&str] = &["重点客户", "长期合作", "价格敏感", "新客户", "需回访", "VIP"];

/// Why a rep marked a demo customer hot.
pub const HOT_REASONS: &[&str] = &["即将签约大单", "竞争对手正在接触", "年度采购计划启动", "高层拜访后意向强烈"];
