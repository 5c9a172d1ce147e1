using Facilities.Api.Data;
using Facilities.Api.Web;

namespace Facilities.Api.Features.Categories;

/// <summary>
/// The attributes every facility has, whatever its category (columns of the facilities table), with their
/// allowed values and labels in the two languages the service speaks. Category-specific attributes live in the
/// categories table instead.
/// </summary>
public static class CoreAttributes
{
    public static readonly string[] Statuses = [.. WireName.All<FacilityStatus>()];
    public static readonly string[] Accesses = ["public", "customers", "key", "permissive", "private", "unknown"];
    public static readonly string[] WheelchairValues = ["yes", "limited", "no", "unknown"];
    public static readonly string[] Genders = ["female", "male", "unisex", "all_gender"];

    /// <summary>
    /// A core attribute's type, labels and allowed values, and where the map page shows it: <see cref="Editable"/>,
    /// in the contribution form (what a proposal of kind update may set: status has its own kinds, close and reopen,
    /// and official_grade is a partner's to give); <see cref="ShownInDetails"/>, among a facility's details, in this
    /// list's order (the name is the details' title, the status their first line, the charge goes with the fee).
    /// </summary>
    public sealed record Definition(
        string Type,
        IReadOnlyDictionary<string, string> Labels,
        IReadOnlyList<string>? Values = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? ValueLabels = null)
    {
        public bool Editable { get; init; } = true;

        public bool ShownInDetails { get; init; } = true;
    }

    private static Dictionary<string, string> L(string en, string zh) => new() { ["en"] = en, ["zh-Hans"] = zh };

    public static readonly IReadOnlyDictionary<string, Definition> Definitions = new Dictionary<string, Definition>
    {
        ["name"] = new("string", L("Name", "名称")) { ShownInDetails = false },
        ["status"] = new("enum", L("Status", "状态"), Statuses, new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [FacilityStatus.Open.Name()] = L("Open", "开放"),
            [FacilityStatus.TemporarilyClosed.Name()] = L("Temporarily closed", "暂停开放"),
            [FacilityStatus.Removed.Name()] = L("Removed", "已拆除"),
        })
        { Editable = false, ShownInDetails = false },
        ["access"] = new("enum", L("Access", "使用权限"), Accesses, new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["public"] = L("Public", "公众开放"),
            ["customers"] = L("Customers only", "仅限顾客"),
            ["key"] = L("Key needed", "需要钥匙"),
            ["permissive"] = L("Permitted by owner", "业主允许使用"),
            ["private"] = L("Private", "私人"),
            ["unknown"] = L("Unknown", "未知"),
        }),
        ["fee"] = new("boolean", L("Fee", "收费")),
        ["charge"] = new("string", L("Charge", "费用")) { ShownInDetails = false },
        ["opening_hours"] = new("opening_hours", L("Opening hours", "开放时间")),
        ["wheelchair"] = new("enum", L("Wheelchair access", "无障碍通行"), WheelchairValues, new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["yes"] = L("Accessible", "无障碍"),
            ["limited"] = L("Partly accessible", "部分无障碍"),
            ["no"] = L("Not accessible", "不便轮椅通行"),
            ["unknown"] = L("Unknown", "未知"),
        }),
        ["changing_table"] = new("boolean", L("Baby changing table", "婴儿护理台")),
        ["adult_changing_table"] = new("boolean", L("Adult changing table", "成人护理台")),
        ["gender"] = new("enum_list", L("For", "适用人群"), Genders, new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["female"] = L("Women", "女"),
            ["male"] = L("Men", "男"),
            ["unisex"] = L("Unisex", "男女通用"),
            ["all_gender"] = L("All genders", "全性别"),
        }),
        ["key_scheme"] = new("string", L("Key scheme", "钥匙计划")),
        ["official_grade"] = new("string", L("Official grade", "官方等级")) { Editable = false },
        ["operator"] = new("string", L("Operator", "管理方")),
    };
}
