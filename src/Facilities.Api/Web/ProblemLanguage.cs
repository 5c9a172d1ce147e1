using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Web;

/// <summary>
/// Refusals in the resident's language. <see cref="UseRequestLanguage"/> reads Accept-Language and sets the request's
/// UI culture: <see cref="Chinese"/> for any Chinese tag, English (the invariant culture) otherwise. FluentValidation then writes its built-in messages ("'password' 必须…") in that language; the
/// service's own messages, titles and details are written in English and <see cref="Localise"/> translates them
/// through <see cref="ProblemMessages"/>, the en → zh-Hans table, just before a problem is written. A message the table
/// does not know stays English: wrong words never replace right ones.
/// </summary>
public static class ProblemLanguage
{
    /// <summary>
    /// The culture FluentValidation files its Simplified Chinese under, by name: the service runs in invariant
    /// globalization mode (Directory.Build.props), where a culture made from "zh-Hans" reads back as "zh-HANS" and
    /// FluentValidation, comparing names exactly, would answer in English. Its data are the invariant culture's:
    /// nothing but the choice of words depends on it.
    /// </summary>
    public static readonly CultureInfo Chinese = new NamedLanguage("zh-Hans");
    public static readonly CultureInfo English = CultureInfo.InvariantCulture;

    /// <summary>
    /// Before the exception handler and the status-code pages: a culture set further in would be gone again by the
    /// time they write the problem (the culture flows into awaited calls, never back out of them).
    /// </summary>
    public static IApplicationBuilder UseRequestLanguage(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        CultureInfo.CurrentUICulture = Choose(http.Request.Headers.AcceptLanguage);
        return next(http);
    });

    private sealed class NamedLanguage(string name) : CultureInfo("")
    {
        public override string Name => name;
    }

    /// <summary>The first of the languages the service speaks in the client's order of preference; English when none.</summary>
    public static CultureInfo Choose(IList<string>? acceptLanguage)
    {
        if (acceptLanguage is null || acceptLanguage.Count == 0
            || !StringWithQualityHeaderValue.TryParseList(acceptLanguage, out var values))
        {
            return English;
        }
        foreach (var value in values.Where(v => (v.Quality ?? 1) > 0).OrderByDescending(v => v.Quality ?? 1))
        {
            var tag = value.Value.Value ?? "";
            if (tag.Equals("zh", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("zh-", StringComparison.OrdinalIgnoreCase))
            {
                return Chinese;
            }
            if (tag.Equals("en", StringComparison.OrdinalIgnoreCase) || tag.StartsWith("en-", StringComparison.OrdinalIgnoreCase))
            {
                return English;
            }
        }
        return English;
    }

    public static bool InChinese => CultureInfo.CurrentUICulture.Name == Chinese.Name;

    /// <summary>Translates a problem's title, detail and validation messages when the request's language is Chinese.</summary>
    public static void Localise(HttpContext http, ProblemDetails problem)
    {
        if (!InChinese)
        {
            return;
        }
        http.Response.Headers.ContentLanguage = "zh-Hans";
        problem.Title = problem.Title is null ? null : ProblemMessages.ToChinese(problem.Title);
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
        {
            foreach (var key in validation.Errors.Keys.ToList())
            {
                validation.Errors[key] = validation.Errors[key].Select(ProblemMessages.ToChinese).ToArray();
            }
            problem.Detail = ProblemResponses.DetailOf(validation.Errors);
        }
        else if (problem.Detail is not null)
        {
            problem.Detail = ProblemMessages.ToChinese(problem.Detail);
        }
    }
}

/// <summary>
/// The service's own words in Simplified Chinese: each English message (with {placeholders} for what varies: numbers,
/// names, lists) and its translation. Matched as a whole; the placeholders carry over unchanged.
/// </summary>
public static partial class ProblemMessages
{
    public static readonly IReadOnlyList<(string En, string ZhHans)> Table =
    [
        // Titles.
        ("The request has invalid parameters", "请求的参数无效"),
        ("The request body is not well-formed JSON", "请求正文不是格式正确的 JSON"),
        ("The request body has the wrong shape", "请求正文的结构不对"),
        ("Bad request", "请求无效"),
        ("Unauthorized", "未登录或凭据无效"),
        ("Forbidden", "没有权限"),
        ("Blocked", "账户已被封禁"),
        ("Locked out", "账户已暂时锁定"),
        ("Not found", "未找到"),
        ("Conflict", "冲突"),
        ("Too many requests", "请求过多"),
        ("Service unavailable", "服务暂不可用"),
        ("Not Found", "未找到"),
        ("Method Not Allowed", "不支持此方法"),
        ("Unsupported Media Type", "不支持的媒体类型"),

        // Accounts.
        ("Must be an e-mail address such as name@example.org: ASCII, no spaces, quotes or angle brackets, and a domain with a dot.",
            "必须是电子邮件地址，例如 name@example.org：只用 ASCII 字符，不含空格、引号或尖括号，域名中要有点。"),
        ("Must not be blank.", "不能为空白。"),
        ("An account with this e-mail address exists already.", "此电子邮件地址已经注册过账户。"),
        ("The e-mail address or the password is wrong.", "电子邮件地址或密码不正确。"),
        ("Too many failed logins: this account is locked until {until}.", "登录失败次数过多：此账户锁定至 {until}。"),
        ("The refresh token is not valid or has expired.", "刷新令牌无效或已过期。"),
        ("The refresh token is no longer valid.", "刷新令牌已失效。"),
        ("The refresh token is no longer valid. Sign in again.", "刷新令牌已失效，请重新登录。"),
        ("The account of this token no longer exists.", "此令牌所属的账户已不存在。"),
        ("This account is blocked: it can read but not write.", "此账户已被封禁：只能查看，不能修改。"),
        ("Only moderators and admins may do this.", "只有版主和管理员可以这样做。"),
        ("This endpoint needs a bearer token (Authorization: Bearer <access_token>).", "此接口需要持有者令牌（Authorization: Bearer <access_token>）。"),
        ("This endpoint needs a bearer token: sign in at /api/v1/auth/login and send Authorization: Bearer <access_token>.",
            "此接口需要持有者令牌：请在 /api/v1/auth/login 登录，并发送 Authorization: Bearer <access_token>。"),
        ("The bearer token has expired: get a new one at /api/v1/auth/refresh.", "持有者令牌已过期：请在 /api/v1/auth/refresh 换一个新的。"),
        ("The bearer token was not issued by this service or has been altered.", "持有者令牌不是本服务签发的，或已被改动。"),
        ("This account may not use this endpoint.", "此账户不能使用此接口。"),
        ("Passwords must be at least {n} characters.", "密码至少需要 {n} 个字符。"),
        ("Passwords must use at least {n} different characters.", "密码至少要用 {n} 个不同的字符。"),
        ("This password is on the list of the most common ones, which attackers try first: choose another.",
            "这个密码在最常见密码的名单上，攻击者会先试这些：请换一个。"),

        // Places, points and lists.
        ("Is required: the latitude of the place to search around, in degrees.", "必填：要搜索的地点的纬度（度）。"),
        ("Is required: the longitude of the place to search around, in degrees.", "必填：要搜索的地点的经度（度）。"),
        ("Must be a finite number of degrees.", "必须是有限的度数。"),
        ("Must be between -90 and 90 (lat is the north-south coordinate: were lat and lon swapped?).",
            "必须在 -90 到 90 之间（lat 是南北方向的坐标：是不是把 lat 和 lon 写反了？）。"),
        ("Must be between -180 and 180.", "必须在 -180 到 180 之间。"),
        ("Must be a number of degrees between -90 and 90 (lat is the north-south coordinate: were lat and lon swapped?).",
            "必须是 -90 到 90 之间的度数（lat 是南北方向的坐标：是不是把 lat 和 lon 写反了？）。"),
        ("Must be a number of degrees between -180 and 180.", "必须是 -180 到 180 之间的度数。"),
        ("Must be a latitude from -90 to 90.", "必须是 -90 到 90 之间的纬度。"),
        ("Must be a longitude from -180 to 180.", "必须是 -180 到 180 之间的经度。"),
        ("Give lat and lon together, or neither.", "lat 和 lon 要么一起给出，要么都不给。"),
        ("Must be a number of metres greater than 0 and at most {max}.", "必须是大于 0、最多 {max} 的米数。"),
        ("Must be a whole number from {min} to {max}.", "必须是 {min} 到 {max} 之间的整数。"),
        ("Must be at most {n} characters.", "最多 {n} 个字符。"),
        ("Must be one of: {values}.", "必须是以下之一：{values}。"),
        ("Must be one or more of: {values}.", "必须是以下的一个或多个：{values}。"),
        ("Must be true or false.", "必须是 true 或 false。"),
        ("Must be an RFC 3339 time such as 2026-11-24T08:00:00Z.", "必须是 RFC 3339 时间，例如 2026-11-24T08:00:00Z。"),
        ("Is not a cursor this service issued: use the next link of the previous page as it is.", "不是本服务给出的游标：请原样使用上一页的 next 链接。"),
        ("Not a cursor this service issued.", "不是本服务给出的游标。"),
        ("No {what} has the id '{id}'.", "没有 id 为 '{id}' 的 {what}。"),

        // Search.
        ("Is required: the name of a place or facility to look for.", "必填：要找的地点或设施的名称。"),
        ("Is required with lat: the point to search around.", "给出 lat 时必填：搜索的中心点。"),
        ("Is required with lon: the point to search around.", "给出 lon 时必填：搜索的中心点。"),
        ("Must be a language tag such as en or zh-Hans.", "必须是语言标签，例如 en 或 zh-Hans。"),

        // Contributions.
        ("A comment saying why (what you saw, when) is required.", "必须写一句说明原因（看到了什么、什么时候）。"),
        ("When given, a comment of 1 to 2000 characters.", "如果填写，说明须为 1 到 2000 个字符。"),
        ("When given, a reason of 1 to 2000 characters.", "如果填写，理由须为 1 到 2000 个字符。"),
        ("A reason of 1 to 2000 characters is required.", "必须写 1 到 2000 个字符的理由。"),
        ("This facility is removed: propose a reopen instead.", "此设施已被移除：请改为提议重新开放。"),
        ("This facility is removed already.", "此设施已经被移除。"),
        ("The budget for this kind of request is spent; try again in {s} s.", "此类请求的额度已用完；请 {s} 秒后再试。"),
    ];

    private static readonly (Regex English, string Chinese)[] Patterns = Table
        .Select(entry => (new Regex("^" + Placeholder().Replace(Regex.Escape(entry.En).Replace(@"\{", "{"), m => $"(?<{m.Groups[1].Value}>.+?)") + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline), entry.ZhHans))
        .ToArray();

    /// <summary>The Chinese of an English message the table knows, its placeholders filled from the message; the message otherwise.</summary>
    public static string ToChinese(string english)
    {
        foreach (var (pattern, chinese) in Patterns)
        {
            var match = pattern.Match(english);
            if (match.Success)
            {
                return Placeholder().Replace(chinese, m => match.Groups[m.Groups[1].Value].Value);
            }
        }
        return english;
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    public static partial Regex Placeholder();
}
