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
        ("Range not satisfiable", "无法满足请求的范围"),

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
        ("Must be an RFC 3339 time in the years 1900 to 2199, such as 2026-11-24T08:00:00Z.", "必须是 1900 年至 2199 年之间的 RFC 3339 时间，例如 2026-11-24T08:00:00Z。"),
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

        // Open311.
        ("Is required: the id of the partner whose facilities' reports to list (this endpoint serves every partner).",
            "必填：要列出哪个合作方的设施的报告，填该合作方的 id（此接口为所有合作方服务）。"),
        ("Must not be later than end_date.", "不能晚于 end_date。"),
        ("Must be one or more service request ids (whole numbers, comma-separated), at most {n}.", "必须是一个或多个服务请求 id（整数，以逗号分隔），最多 {n} 个。"),
        ("Only admins may manage Open311 apps.", "只有管理员可以管理 Open311 应用。"),
        ("Filing a service request needs the api_key an admin issued to the app.", "提交服务请求需要管理员发给该应用的 api_key。"),
        ("The api_key is unknown or revoked.", "此 api_key 不存在或已被撤销。"),
        ("Send the service request as a form (application/x-www-form-urlencoded or multipart/form-data), as GeoReport v2 does.",
            "请按 GeoReport v2 的做法，以表单（application/x-www-form-urlencoded 或 multipart/form-data）发送服务请求。"),
        ("The form is malformed or one of its fields is too long.", "表单格式错误，或其中某个字段过长。"),
        ("Must be a facility's id (a UUID, the address_id of requests.json).", "必须是设施的 id（一个 UUID，即 requests.json 中的 address_id）。"),
        ("Is required unless attribute[facility_id] names the facility: with long, where the facility is.",
            "除非用 attribute[facility_id] 指明设施，否则必填：与 long 一起给出设施所在的位置。"),
        ("Is required unless attribute[facility_id] names the facility: with lat, where the facility is.",
            "除非用 attribute[facility_id] 指明设施，否则必填：与 lat 一起给出设施所在的位置。"),
        ("When given, at most {n} characters.", "如果填写，最多 {n} 个字符。"),
        ("No facility there", "那里没有设施"),
        ("No facility is within {m} m of lat/long; name the facility with {field} (its id, the address_id of requests.json).",
            "lat/long 周围 {m} 米内没有设施；请用 {field} 指明设施（它的 id，即 requests.json 中的 address_id）。"),

        // Photos.
        ("The file is empty.", "文件是空的。"),
        ("The file may be at most {n} bytes.", "文件最多 {n} 字节。"),
        ("A photo is stored as its two renditions, made by PhotoImages.", "照片以两种尺寸保存，由 PhotoImages 生成。"),
        ("When given, must be a non-empty string of at most 2000 characters.", "如果填写，须为不超过 2000 个字符的非空字符串。"),
        ("Not a usable image", "不是可用的图片"),
        ("Unsupported media type", "不支持的媒体类型"),
        ("The request body must be UTF-8, not charset={charset}.", "请求正文必须是 UTF-8 编码，不能是 charset={charset}。"),
        ("The file is not a JPEG, PNG or WebP image.", "文件不是 JPEG、PNG 或 WebP 图片。"),
        ("The file is declared as {declared} but its content is {content}.", "文件声明为 {declared}，但内容是 {content}。"),
        ("The image is cut short or its structure is broken.", "图片不完整，或结构已损坏。"),
        ("The file goes on after the image's end ({n} bytes more): upload the image alone.", "文件在图片结束后还有内容（多出 {n} 字节）：请只上传图片本身。"),
        ("The file also carries an archive or a web page: upload the image alone.", "文件里还夹带了压缩包或网页：请只上传图片本身。"),
        ("The image could not be read.", "无法读取这张图片。"),
        ("The image is {width} × {height} pixels; at most {side} pixels a side and {mp} megapixels are accepted.",
            "图片为 {width} × {height} 像素；每边最多 {side} 像素，总共最多 {mp} 百万像素。"),
        ("The image's content is not the format its first bytes say.", "图片内容与其开头字节所示的格式不符。"),
        ("The image could not be decoded ({result}).", "无法解码这张图片（{result}）。"),
        ("Upload the photo as multipart/form-data with a part named 'file'.", "请以 multipart/form-data 上传照片，放在名为 'file' 的部分中。"),
        ("The multipart body is incomplete or malformed; send the photo as multipart/form-data with a part named 'file'.",
            "multipart 正文不完整或格式错误；请以 multipart/form-data 发送照片，放在名为 'file' 的部分中。"),
        ("no file part in the upload", "上传内容中没有 file 部分"),
        ("Upload a JPEG, PNG or WebP image (the part's Content-Type was '{type}').", "请上传 JPEG、PNG 或 WebP 图片（该部分的 Content-Type 是 '{type}'）。"),
        ("This facility is removed: it takes no photos.", "此设施已被移除：不能再添加照片。"),
        ("A photo that is {state} cannot be given the decision {decision}.", "状态为 {state} 的照片不能作出 {decision} 的决定。"),

        // Operator claims.
        ("Say who you are and why you run this facility, in 10 to 2000 characters.", "请说明你是谁、为什么由你管理此设施，10 到 2000 个字符。"),
        ("Must be an e-mail address such as name@example.org or a phone number of 6 to 15 digits (spaces, dashes, brackets and a leading + allowed).",
            "必须是电子邮件地址（例如 name@example.org）或 6 到 15 位数字的电话号码（可含空格、连字符、括号，开头可用 +）。"),
        ("Must be a list of the attributes to own, one or more of: status, status_until, opening_hours, access, fee, charge, wheelchair.",
            "必须是要管理的属性列表，取以下一个或多个：status、status_until、opening_hours、access、fee、charge、wheelchair。"),
        ("When given, a note of 1 to 2000 characters.", "如果填写，备注须为 1 到 2000 个字符。"),
        ("This facility is removed: it cannot be claimed.", "此设施已被移除：不能认领。"),
        ("Claimed already", "已经认领"),
        ("You have a claim on this facility that is {state} already: revoke it before you claim again.",
            "你对此设施已有一个状态为 {state} 的认领：请先撤销它，再重新认领。"),
        ("This claim waits for its facility: the create proposal it came with is not accepted yet.",
            "此认领还在等待它的设施：随它提交的新建提议尚未被接受。"),
        ("Owned already", "已有管理方"),
        ("An approved operator owns {attributes} of this facility already.", "此设施的 {attributes} 已由一位经批准的管理方管理。"),
        ("A partner's dataset owns {attributes} of this facility: the partner's data is its official source.",
            "此设施的 {attributes} 由合作方的数据集管理：合作方的数据是它的官方来源。"),
        ("A claim that is {state} cannot be {decision}.", "状态为 {state} 的认领不能改为 {decision}。"),
        ("Reports on a facility are for its approved operator: this claim is {state}.", "设施的反馈只提供给经批准的管理方：此认领的状态是 {state}。"),

        // Proposals.
        ("A create names no facility.", "新建提议不指定设施。"),
        ("A create has no base version.", "新建提议没有基础版本。"),
        ("A create needs a location.", "新建提议需要位置。"),
        ("A create needs changes with at least the category.", "新建提议的 changes 中至少要有 category。"),
        ("Must be the id of a facility.", "必须是设施的 id。"),
        ("Must be a facility version: a whole number from 1.", "必须是设施的版本号：从 1 开始的整数。"),
        ("An update needs changes: {attribute: value}.", "更新提议需要 changes：{attribute: value}。"),
        ("A move needs the new location.", "移动提议需要新的位置。"),
        ("Only create and update carry changes.", "只有新建和更新提议带有 changes。"),
        ("Only create and move carry a location.", "只有新建和移动提议带有位置。"),
        ("Must be an object {attribute: value}.", "必须是对象 {attribute: value}。"),
        ("Only a close carries status_until.", "只有关闭提议带有 status_until。"),
        ("Must be an RFC 3339 time in the future (within two years); leave it out for a permanent closure.",
            "必须是未来（两年以内）的 RFC 3339 时间；永久关闭则不要填写。"),
        ("Must be {\"lat\": number, \"lon\": number} in WGS 84 degrees.", "必须是 {\"lat\": 数字, \"lon\": 数字}，单位为 WGS 84 度。"),
        ("lat must be between -90 and 90.", "lat 必须在 -90 到 90 之间。"),
        ("lon must be between -180 and 180.", "lon 必须在 -180 到 180 之间。"),
        ("(0, 0) is in the Gulf of Guinea and almost always a missing position: send the real one.",
            "(0, 0) 位于几内亚湾，几乎总是缺失的位置：请发送真实的位置。"),
        ("This attribute cannot be changed by an update proposal (use kind move, close or reopen; official_grade is a partner's).",
            "此属性不能通过更新提议修改（请用 move、close 或 reopen 类型；official_grade 由合作方提供）。"),
        ("Unknown attribute for the category '{category}'.", "类别 '{category}' 没有这个属性。"),
        ("Not readable as opening hours: {error}. Write them as OpenStreetMap does, e.g. Mo-Fr 08:00-18:00; Sa 10:00-14:00; Su off.",
            "无法识别为营业时间：{error}。请按 OpenStreetMap 的写法填写，例如 Mo-Fr 08:00-18:00; Sa 10:00-14:00; Su off。"),
        ("Must be true, false or null.", "必须是 true、false 或 null。"),
        ("Must be a whole number or null.", "必须是整数或 null。"),
        ("Must be between {min} and {max}.", "必须在 {min} 到 {max} 之间。"),
        ("Must be a list of: {values}.", "必须是以下值的列表：{values}。"),
        ("Must not repeat a value.", "不能有重复的值。"),
        ("Must be a string or null.", "必须是字符串或 null。"),
        ("Must not be blank (null clears it).", "不能为空白（用 null 清除）。"),
        ("Must not contain control characters.", "不能包含控制字符。"),
        ("Must be up or down.", "必须是 up 或 down。"),
        ("Must be a non-empty string when given.", "如果填写，必须是非空字符串。"),
        ("This facility is removed; only a reopen can change it.", "此设施已被移除；只有重新开放提议可以修改它。"),
        ("You cannot vote on your own proposal: your weight counts as support already.", "不能给自己的提议投票：你的权重已经算作支持。"),
        ("This proposal is decided ({state}): votes are closed.", "此提议已有结果（{state}）：投票已关闭。"),
        ("This proposal has expired: votes are closed.", "此提议已过期：投票已关闭。"),
        ("Edit based on an old version", "修改基于旧版本"),
        ("{stale} Look at the current values and propose again with base_version set to it.", "{stale} 请查看当前的值，并把 base_version 设为当前版本后重新提议。"),
        ("'{part}' is not a number.", "'{part}' 不是数字。"),
        ("Must be four numbers: minLon,minLat,maxLon,maxLat.", "必须是四个数字：minLon,minLat,maxLon,maxLat。"),
        ("Longitudes must be between -180 and 180.", "经度必须在 -180 到 180 之间。"),
        ("Latitudes must be between -90 and 90.", "纬度必须在 -90 到 90 之间。"),
        ("minLon is greater than maxLon (a box across the antimeridian must be sent as two boxes).", "minLon 大于 maxLon（跨越对向子午线的范围须拆成两个框发送）。"),
        ("minLat is greater than maxLat.", "minLat 大于 maxLat。"),

        // Hours, maps and open data.
        ("Give the opening_hours value to read.", "请给出要读取的 opening_hours 值。"),
        ("Not readable as opening hours: {error}.", "无法识别为营业时间：{error}。"),
        ("Must be a date, yyyy-MM-dd, in the years 1900 to 2199.", "必须是 1900 年至 2199 年之间的日期，格式 yyyy-MM-dd。"),
        ("Is required: the map's zoom level, 0 to 22.", "必填：地图的缩放级别，0 到 22。"),
        ("Must be a number of metres above 0, at most {max}.", "必须是大于 0、最多 {max} 的米数。"),
        ("Must be mvt, the one tile format served.", "必须是 mvt，这是唯一提供的瓦片格式。"),
        ("Must be a tile matrix of {set}: a whole number from {min} to {max}.", "必须是 {set} 的瓦片矩阵：{min} 到 {max} 之间的整数。"),
        ("Must be a sequence number: a whole number, 0 or more (0 reads the feed from its start).", "必须是序号：0 或更大的整数（0 表示从头读取变更流）。"),
        ("Must be a whole number from {min} to {max}; to read further, follow the next links.", "必须是 {min} 到 {max} 之间的整数；要继续往后读，请使用 next 链接。"),
        ("There is no API definition named '{name}': the API's is {whole}, the OGC API's {ogc}.",
            "没有名为 '{name}' 的 API 定义：整个 API 的定义是 {whole}，OGC API 的是 {ogc}。"),
        ("The Range header asks for bytes outside the file, which is {length} bytes long; ask for bytes 0 to {last}.",
            "Range 请求头要求的字节超出了文件范围：文件长 {length} 字节；请请求第 0 到 {last} 字节。"),

        // Moderation.
        ("Must be open or resolved.", "必须是 open 或 resolved。"),
        ("Must be dispute or ambiguous_match.", "必须是 dispute 或 ambiguous_match。"),
        ("A merge names the facility_id to merge into; other actions name none.", "合并要给出并入的 facility_id；其他操作不给。"),
        ("Must be the version to go back to: a whole number from 1.", "必须是要回退到的版本：从 1 开始的整数。"),
        ("Must be a list of roles: moderator, admin (empty for none).", "必须是角色列表：moderator、admin（空列表表示没有角色）。"),
        ("Must be an earlier version of this facility: 1 to {n}.", "必须是此设施更早的版本：1 到 {n}。"),
        ("A {kind} is resolved with one of: {actions}.", "{kind} 只能用以下操作之一处理：{actions}。"),
        ("Merging needs the facility the record describes.", "合并需要记录所描述的设施。"),
        ("This review item is resolved already.", "此审核事项已经处理过了。"),
        ("Incomplete dispute", "争议不完整"),
        ("This dispute names no facility or attribute.", "此争议没有指明设施或属性。"),
        ("Value unusable", "值无法使用"),
        ("The {side} of {attribute} cannot be written: {reason}", "{attribute} 的 {side} 无法写入：{reason}"),
        ("Moderators cannot block themselves or other moderators; an admin can.", "版主不能封禁自己或其他版主；管理员可以。"),
        ("Only admins may set roles.", "只有管理员可以设置角色。"),
        ("Only admins may see the team.", "只有管理员可以查看团队。"),
        ("Only admins may set a reputation.", "只有管理员可以设置声望。"),
        ("This refresh token was used before, so a copy of it is in other hands: every refresh token of this sign-in is revoked. Sign in again.",
            "此刷新令牌以前用过，说明它的副本落入了他人手中：本次登录的所有刷新令牌都已撤销。请重新登录。"),

        // Partners and imports.
        ("The file cannot be read", "无法读取文件"),
        ("Must be one of this item's candidates: {candidates}.", "必须是此事项的候选之一：{candidates}。"),
        ("same_as names the facility_id the record describes (one of the item's candidates); different_facility names none.",
            "same_as 要给出记录所描述的 facility_id（此事项的候选之一）；different_facility 不给。"),
        ("must be an integer from {min} to {max}", "必须是 {min} 到 {max} 之间的整数"),
        ("is not a cursor this API gave", "不是本接口给出的游标"),
        ("A name of 1 to 200 characters is required.", "必须有 1 到 200 个字符的名称。"),
        ("must be one of: {values}", "必须是以下之一：{values}"),
        ("must be official or osm", "必须是 official 或 osm"),
        ("must be an SPDX license identifier or expression, e.g. OGL-UK-3.0, CC-BY-4.0, ODbL-1.0, or LicenseRef-<name> for a licence not on the SPDX list (LicenseRef-KOGL-Type1)",
            "必须是 SPDX 许可证标识符或表达式，例如 OGL-UK-3.0、CC-BY-4.0、ODbL-1.0；不在 SPDX 列表上的许可证写作 LicenseRef-<名称>（LicenseRef-KOGL-Type1）"),
        ("unknown coordinate system; known: {values}", "未知的坐标系；已知的有：{values}"),
        ("names nothing to change: give one or more of name, license, attribution, crs, mapping, owned_attributes, match_distance_m",
            "没有指明要修改什么：请给出 name、license、attribution、crs、mapping、owned_attributes、match_distance_m 中的一个或多个"),
        ("'{attribute}' is not an attribute of {category}", "'{attribute}' 不是 {category} 的属性"),
        ("must be the name of an attribute, not null", "必须是属性名，不能是 null"),
        ("must be true or false", "必须是 true 或 false"),
        ("no definition part before the file: send the dataset definition (the body of POST /api/v1/partner/datasets) as a part named 'definition'",
            "文件前没有 definition 部分：请把数据集定义（POST /api/v1/partner/datasets 的正文）放在名为 'definition' 的部分中发送"),
        ("is not a dataset definition in JSON: {reason}", "不是 JSON 格式的数据集定义：{reason}"),
        ("is longer than {n} characters", "超过 {n} 个字符"),
        ("is longer than {n} bytes", "超过 {n} 字节"),
        ("Partner endpoints need the {header} header.", "合作方接口需要 {header} 请求头。"),
        ("The API key is unknown or revoked.", "API 密钥未知或已被撤销。"),
        ("Already resolved", "已经处理过了"),
        ("This match has already been resolved.", "此匹配已经处理过了。"),
        ("Only admins may see partners.", "只有管理员可以查看合作方。"),
        ("Only admins may manage partners.", "只有管理员可以管理合作方。"),
        ("The record id cannot change", "记录 id 不能更改"),
        ("This dataset already has records keyed by its id column; a different id would remove them all at source. Make a new dataset for the new ids.",
            "此数据集已有以其 id 列为键的记录；换一个 id 会让它们在来源处全部被删除。请为新的 id 新建一个数据集。"),
        ("Upload the file as multipart/form-data with a part named 'file'.", "请以 multipart/form-data 上传文件，放在名为 'file' 的部分中。"),
        ("'{file}' is not a format imports read: CSV (.csv, .tsv), GeoJSON (.geojson, .json), KML (.kml), OpenStreetMap XML (.osm), Overpass JSON (.json) or a zipped Shapefile (.zip).",
            "'{file}' 不是导入能读取的格式：CSV（.csv、.tsv）、GeoJSON（.geojson、.json）、KML（.kml）、OpenStreetMap XML（.osm）、Overpass JSON（.json）或压缩的 Shapefile（.zip）。"),
        ("The multipart body is incomplete or malformed (it is empty, was cut short, or lacks its closing boundary); send the whole file as multipart/form-data with a part named 'file'.",
            "multipart 正文不完整或格式错误（为空、被截断或缺少结束边界）；请以 multipart/form-data 发送完整文件，放在名为 'file' 的部分中。"),
        ("File too large", "文件过大"),
        ("The file is larger than the limit of {n} bytes.", "文件超过了 {n} 字节的上限。"),
        ("This partner already has {n} uploads in progress, the most allowed at once; send this file when one has finished.",
            "此合作方已有 {n} 个上传正在进行，已达同时允许的上限；请等其中一个完成后再发送此文件。"),
        ("Payload too large", "请求正文过大"),
        ("The request body may be at most {n} bytes.", "请求正文最多 {n} 字节。"),
        ("A photo may be at most {n} MB.", "照片最大 {n} MB。"),
        ("Another change to the map (a partner's import) holds the change feed; nothing was changed, try again in {s} s.",
            "地图上的另一项修改（合作方的导入）正占用变更流；什么都没有改动，请 {s} 秒后再试。"),
        ("The database (PostgreSQL) is not available right now; try again in {s} s.", "数据库（PostgreSQL）现在不可用；请 {s} 秒后再试。"),
        ("This endpoint is for {roles} only, and this account is neither.", "此接口只供 {roles} 使用，而此账户都不是。"),
        ("The Authorization header must be 'Bearer <access_token>'.", "Authorization 请求头必须是 'Bearer <access_token>'。"),
        ("Must not contain the NUL character (U+0000).", "不能包含 NUL 字符（U+0000）。"),
        ("Must be valid Unicode text: it contains an unpaired surrogate (such as \\ud800) or invalid UTF-8.", "必须是有效的 Unicode 文本：其中有未配对的代理项（例如 \\ud800）或无效的 UTF-8。"),
        ("Must be a JSON object.", "必须是 JSON 对象。"),
        ("Is beyond the latest sequence number, {n}: this feed is not the one the mirror followed; rebuild it from since=0.",
            "超出了最新的序号 {n}：这不是镜像之前跟随的变更流；请从 since=0 重建。"),
        ("the file is empty", "文件是空的"),
        ("Has the wrong JSON type for this field.", "此字段的 JSON 类型不对。"),

        // OGC API sorting, property selection and CQL2 filters.
        ("Must be a comma-separated list of sortables, each led by + (ascending, the default) or -: sortby=-updated_at,name.",
            "必须是以逗号分隔的可排序属性列表，每个前面可加 +（升序，默认）或 -（降序）：sortby=-updated_at,name。"),
        ("'{item}' is not a sortable of '{collection}'; it sorts by: {sortables} (see /ogc/collections/{path}/sortables).",
            "'{item}' 不是 '{collection}' 的可排序属性；可按以下属性排序：{sortables}（见 /ogc/collections/{path}/sortables）。"),
        ("Names '{item}' twice: name each sortable once.", "'{item}' 出现了两次：每个可排序属性只能写一次。"),
        ("Names more than {n} sortables.", "可排序属性超过了 {n} 个。"),
        ("Names more than {n} properties.", "属性超过了 {n} 个。"),
        ("Must be a comma-separated list of property names: properties=name,wheelchair,geometry.",
            "必须是以逗号分隔的属性名列表：properties=name,wheelchair,geometry。"),
        ("'{part}' is not a property of the features of '{collection}' (see /ogc/collections/{path}/schema), nor geometry or sources.",
            "'{part}' 不是 '{collection}' 中要素的属性（见 /ogc/collections/{path}/schema），也不是 geometry 或 sources。"),
        ("Must be cql2-text (the default) or cql2-json.", "必须是 cql2-text（默认）或 cql2-json。"),
        ("Describes filter, and there is no filter.", "这是对 filter 的说明，但请求中没有 filter。"),
        ("At line {line}, byte {byte}: the filter is not well-formed JSON.", "第 {line} 行第 {byte} 个字节处：filter 不是格式正确的 JSON。"),
        ("At {where}: a number is beyond the range of a double.", "在 {where} 处：数字超出了双精度浮点数的范围。"),
        ("At {where}: IN has more than {n} values.", "在 {where} 处：IN 的值超过了 {n} 个。"),
        ("At {where}: the filter nests deeper than {n} levels.", "在 {where} 处：filter 的嵌套超过了 {n} 层。"),
        ("At {where}: '{text}' is not an RFC 3339 date (DATE) or date-time with an offset (TIMESTAMP).",
            "在 {where} 处：'{text}' 不是 RFC 3339 日期（DATE）或带时区偏移的日期时间（TIMESTAMP）。"),
        ("At {where}: '{op}' takes {n} arguments.", "在 {where} 处：'{op}' 需要 {n} 个参数。"),
        ("At {where}: '{op}' is not a function or operator of CQL2 that this service evaluates.", "在 {where} 处：'{op}' 不是本服务能计算的 CQL2 函数或运算符。"),
        ("At {where}: expected {what}, found {found}.", "在 {where} 处：应为 {what}，实际为 {found}。"),
        ("At {where}: expected {what}.", "在 {where} 处：应为 {what}。"),
        ("At {where}: '{c}' has no meaning in CQL2 text.", "在 {where} 处：'{c}' 在 CQL2 文本中没有意义。"),
        ("At {where}: the quoted name that starts here has no closing quote.", "在 {where} 处：从这里开始的带引号名称缺少结束引号。"),
        ("At {where}: the string that starts here has no closing quote.", "在 {where} 处：从这里开始的字符串缺少结束引号。"),
        ("At {where}: BETWEEN compares numbers or date-times, and {name} is neither.", "在 {where} 处：BETWEEN 比较数字或日期时间，而 {name} 两者都不是。"),
        ("At {where}: a comparison needs a queryable on one side.", "在 {where} 处：比较的一侧必须是可查询属性。"),
        ("At {where}: {a} and {b} are of different types and cannot be compared.", "在 {where} 处：{a} 和 {b} 类型不同，无法比较。"),
        ("At {where}: CASEI takes text, and {name} is not text.", "在 {where} 处：CASEI 只接受文本，而 {name} 不是文本。"),
        ("At {where}: a box cannot be part of a GEOMETRYCOLLECTION; write it as a POLYGON.", "在 {where} 处：框不能作为 GEOMETRYCOLLECTION 的一部分；请写成 POLYGON。"),
        ("At {where}: a box's south is north of its north.", "在 {where} 处：框的南边界在北边界以北。"),
        ("At {where}: a LIKE pattern is a text literal, such as 'Camden%'.", "在 {where} 处：LIKE 的模式必须是文本字面量，例如 'Camden%'。"),
        ("At {where}: LIKE compares text, and {name} is not text.", "在 {where} 处：LIKE 比较文本，而 {name} 不是文本。"),
        ("At {where}: the LIKE pattern ends in an escape character with nothing after it to escape; double it to match a backslash.",
            "在 {where} 处：LIKE 的模式以转义字符结尾，其后没有可转义的字符；要匹配反斜杠本身，请写两个。"),
        ("At {where}: the value does not fit {name}, which is {type}.", "在 {where} 处：该值不符合 {name} 的类型：{type}。"),
        ("At {where}: expected a condition, found a value.", "在 {where} 处：应为条件，实际为值。"),
        ("At {where}: expected a queryable here, found a value.", "在 {where} 处：这里应为可查询属性，实际为值。"),
        ("At {where}: {function} compares geometries: the geometry queryable or a geometry literal.",
            "在 {where} 处：{function} 比较几何：只能是 geometry 可查询属性或几何字面量。"),
        ("At {where}: '{name}' is not a queryable of '{collection}' (see /ogc/collections/{path}/queryables).",
            "在 {where} 处：'{name}' 不是 '{collection}' 的可查询属性（见 /ogc/collections/{path}/queryables）。"),
        ("At {where}: geometry is compared by the spatial functions (S_INTERSECTS…), not as a value.",
            "在 {where} 处：geometry 要用空间函数（S_INTERSECTS 等）比较，不能当作值比较。"),
        ("At {where}: '{text}' is not a number.", "在 {where} 处：'{text}' 不是数字。"),
        ("At {where}: a box has four numbers: BBOX(west, south, east, north).", "在 {where} 处：框由四个数字组成：BBOX(west, south, east, north)。"),
        ("At {where}: a coordinate is not a finite number.", "在 {where} 处：坐标不是有限的数字。"),
        ("At {where}: a line has at least two positions.", "在 {where} 处：线至少要有两个位置。"),
        ("At {where}: a polygon's ring is closed (its last position is its first) and has at least four positions.",
            "在 {where} 处：多边形的环必须闭合（最后一个位置与第一个相同），并且至少有四个位置。"),
        ("At {where}: a position is outside the area where {crs} is used: check the numbers and their axis order.",
            "在 {where} 处：位置在 {crs} 的使用范围之外：请检查数字及其坐标轴顺序。"),
        ("Belongs to another sortby: follow the next link of the previous page as it is.", "属于另一种 sortby 排序：请原样使用上一页的 next 链接。"),
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
