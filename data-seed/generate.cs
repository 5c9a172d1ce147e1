// Generates data-seed/facilities.geojson, the SYNTHETIC demo data set the service loads on its first start.
// Every facility here is invented: real district and street names, made-up positions and attributes.
//
//     dotnet run data-seed/generate.cs [output path]
//
// Deterministic: one seeded Random drawn in a fixed order, invariant number formatting and "\n" line ends,
// so a re-run writes byte-identical output. Changing any draw below changes every facility after it.

// The repository's Directory.Build.props (warnings as errors, analyzers) and Directory.Packages.props apply to
// this file too, as to any project under the root: it uses no packages and must stay warning-free.

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

var output = args.Length > 0 ? args[0] : Path.Combine(ScriptDirectory(), "facilities.geojson");
var draw = new Draw(new Random(20261124));
var facilities = new List<Facility>();
var officialIds = new Dictionary<string, int>(StringComparer.Ordinal);
var communityIds = 0;

foreach (var city in Places.Cities)
{
    for (var i = 0; i < city.Count; i++)
    {
        var district = draw.Weighted(city.Districts, d => d.Weight);
        var category = draw.Weighted(Generator.CategoryWeights(district), c => c.Weight).Category;
        var official = city.Style != Style.Fiji && draw.Chance(Generator.OfficialShare(category));
        var facility = Generator.Create(draw, city, district, category, official);
        // Record ids are unique per dataset, as a source's own ids are.
        if (official)
        {
            officialIds[city.Key] = officialIds.GetValueOrDefault(city.Key) + 1;
            facility.RecordId = $"{city.Key}-{officialIds[city.Key]:000000}";
        }
        else
        {
            facility.RecordId = $"contrib-{++communityIds:000000}";
        }
        facilities.Add(facility);
    }
}

var text = new StringBuilder();
text.Append("{\"type\":\"FeatureCollection\",\"name\":\"Facilities demo data (synthetic)\",\"synthetic\":true,\"datasets\":[\n");
text.Append(string.Join(",\n", Places.Datasets.Select(Json.Dataset)));
text.Append("\n],\"features\":[\n");
text.Append(string.Join(",\n", facilities.Select(Json.Feature)));
text.Append("\n]}\n");
var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
File.WriteAllBytes(output, bytes);

Console.WriteLine($"Wrote {facilities.Count} facilities, {bytes.Length:N0} bytes, to {Path.GetFullPath(output)}");
Console.WriteLine();
Console.WriteLine(Report.Table(facilities));

// The compiler fills in this file's own path, so the output lands beside it whatever the working directory.
static string ScriptDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

enum Style { China, London, Sydney, Fiji }

enum Site { Park, Street, Station, Mall, Pub, Beach, Village }

sealed record Dataset(string Key, string Kind, string Name, string License, string Attribution);

/// <summary>A cluster of facilities: a gaussian around the centre, <see cref="SigmaKm"/> on each axis.</summary>
sealed record District(
    string Name, double Lat, double Lon, double SigmaKm, double Weight,
    string Admin, string[] Parks, string[] Streets, string[] Stations, string[] Malls, bool Beach = false);

sealed record City(string Key, string Name, Style Style, int Count, string Transit, District[] Districts);

/// <summary>One generated facility; <see cref="Json.Feature"/> fixes the order its properties are written in.</summary>
sealed class Facility
{
    public required string City { get; init; }
    public double Lon { get; set; }
    public double Lat { get; set; }
    public required bool Official { get; init; }
    public string RecordId { get; set; } = "";
    public required string Category { get; init; }
    public string? Name { get; set; }
    public string? Operator { get; set; }
    public string Status { get; set; } = "open";
    public DateTime? StatusUntil { get; set; }
    public string Access { get; set; } = "unknown";
    public bool? Fee { get; set; }
    public string? Charge { get; set; }
    public string? OpeningHours { get; set; }
    public string Wheelchair { get; set; } = "unknown";
    public bool? ChangingTable { get; set; }
    public bool? AdultChangingTable { get; set; }
    public string[] Gender { get; set; } = [];
    public string? KeyScheme { get; set; }
    public string? OfficialGrade { get; set; }
    public List<(string Key, object Value)> Attributes { get; } = [];
    public double Confidence { get; set; }
    public DateTime? LastVerifiedAt { get; set; }
}

sealed class Draw(Random random)
{
    public bool Chance(double p) => random.NextDouble() < p;

    public int Between(int min, int maxInclusive) => random.Next(min, maxInclusive + 1);

    public double Between(double min, double max) => min + (max - min) * random.NextDouble();

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public T Weighted<T>(IReadOnlyList<T> items, Func<T, double> weight)
    {
        var total = items.Sum(weight);
        var x = random.NextDouble() * total;
        foreach (var item in items)
        {
            x -= weight(item);
            if (x < 0)
            {
                return item;
            }
        }
        return items[^1];
    }

    /// <summary>A value from (value, weight) pairs; the weights need not sum to 1.</summary>
    public T One<T>(params (T Value, double Weight)[] choices) => Weighted(choices, c => c.Weight).Value;

    /// <summary>
    /// A standard normal draw (Box–Muller) cut at ±2.5 sigma, so no facility lands far outside its district.
    /// </summary>
    public double Gaussian()
    {
        while (true)
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            if (Math.Abs(z) <= 2.5)
            {
                return z;
            }
        }
    }

    /// <summary>Adds an optional attribute about 60% of the time: unknown attributes are omitted, not null.</summary>
    public void Maybe(Facility facility, string key, Func<object> value, double known = 0.6)
    {
        if (Chance(known))
        {
            facility.Attributes.Add((key, value()));
        }
    }
}

static class Generator
{
    // Every time is relative to this instant, not the clock, so the output does not depend on the day it is made.
    public static readonly DateTime Now = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private const double KmPerDegree = 111.32;

    public static (string Category, double Weight)[] CategoryWeights(District district) => district.Beach
        ? [("toilet", 50), ("drinking_water", 17), ("aed", 10), ("bench", 10), ("shower", 13)]
        : [("toilet", 55), ("drinking_water", 15), ("aed", 15), ("bench", 10), ("shower", 5)];

    /// <summary>Cities publish toilets and AEDs; benches and showers come mostly from the community.</summary>
    public static double OfficialShare(string category) => category switch
    {
        "toilet" => 0.5,
        "aed" => 0.55,
        "drinking_water" => 0.25,
        _ => 0.1,
    };

    public static Facility Create(Draw draw, City city, District district, string category, bool official)
    {
        var facility = new Facility { City = city.Name, Category = category, Official = official };
        Place(draw, district, facility);
        var site = PickSite(draw, city, district, category);
        var place = SiteName(draw, district, site);
        switch (category)
        {
            case "toilet":
                Toilets.Fill(draw, city, district, site, place, facility);
                break;
            case "drinking_water":
                DrinkingWater(draw, city, district, site, place, facility);
                break;
            case "aed":
                Aed(draw, city, district, site, place, facility);
                break;
            case "shower":
                Shower(draw, city, district, site, place, facility);
                break;
            default:
                Bench(draw, city, site, facility);
                break;
        }
        if (!official && draw.Chance(0.45))
        {
            facility.Operator = null;
        }
        Common(draw, facility);
        return facility;
    }

    private static void Place(Draw draw, District district, Facility facility)
    {
        var lat = district.Lat + district.SigmaKm * draw.Gaussian() / KmPerDegree;
        var lon = district.Lon + district.SigmaKm * draw.Gaussian() / (KmPerDegree * Math.Cos(district.Lat * Math.PI / 180));
        facility.Lat = Math.Round(lat, 6);
        // Rounded first, then wrapped: RFC 7946 longitudes are in [-180, 180), and Taveuni straddles 180°.
        lon = Math.Round(lon, 6);
        facility.Lon = lon >= 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
    }

    private static Site PickSite(Draw draw, City city, District district, string category)
    {
        if (city.Style == Style.Fiji)
        {
            return Site.Village;
        }
        if (district.Beach && draw.Chance(category == "shower" ? 0.9 : 0.4))
        {
            return Site.Beach;
        }
        return category switch
        {
            "toilet" when city.Style == Style.London => draw.One((Site.Park, 30.0), (Site.Street, 25), (Site.Station, 20), (Site.Mall, 10), (Site.Pub, 15)),
            "toilet" when city.Style == Style.China => draw.One((Site.Park, 35.0), (Site.Street, 35), (Site.Station, 15), (Site.Mall, 15)),
            "toilet" => draw.One((Site.Park, 45.0), (Site.Street, 20), (Site.Station, 15), (Site.Mall, 20)),
            "drinking_water" => draw.One((Site.Park, 55.0), (Site.Street, 20), (Site.Station, 15), (Site.Mall, 10)),
            "aed" => draw.One((Site.Station, 30.0), (Site.Mall, 30), (Site.Park, 15), (Site.Street, 25)),
            "shower" => draw.One((Site.Park, 60.0), (Site.Mall, 25), (Site.Station, 15)),
            _ => draw.One((Site.Park, 65.0), (Site.Street, 30), (Site.Station, 5)),
        };
    }

    /// <summary>The place a facility is named after: a park, a street, a station or a building.</summary>
    private static string SiteName(Draw draw, District district, Site site) => site switch
    {
        Site.Street => draw.Pick(district.Streets),
        Site.Station => draw.Pick(district.Stations),
        Site.Mall or Site.Pub => draw.Pick(district.Malls),
        Site.Beach => district.Name,
        _ => draw.Pick(district.Parks),
    };

    /// <summary>"Town Hall Station", but Sydney's ferry wharves are "Manly Wharf", not "Manly Wharf Station".</summary>
    public static string Station(City city, string place) =>
        place.EndsWith("Wharf", StringComparison.Ordinal) ? place : $"{place} Station";

    public static string? Hours(Draw draw, Site site, Style style) => site switch
    {
        Site.Station when style == Style.China => draw.One<string?>(("Mo-Su 05:30-23:00", 50.0), ("Mo-Su 06:00-22:00", 20), (null, 30)),
        Site.Station => draw.One<string?>(("Mo-Sa 07:00-21:00; Su 09:00-17:00", 25.0), ("Mo-Su 06:00-22:00", 25), ("24/7", 10), (null, 40)),
        Site.Mall => draw.One<string?>(("Mo-Su 10:00-22:00", 35.0), ("Mo-Sa 07:00-21:00; Su 09:00-17:00", 15), ("Mo-Fr 08:00-18:00", 10), (null, 40)),
        Site.Pub => draw.One<string?>(("Mo-Su 11:00-23:00", 40.0), ("Mo-Th 11:00-23:00; Fr,Sa 11:00-24:00; Su 12:00-22:30", 20), (null, 40)),
        _ => draw.One<string?>(("24/7", 20.0), ("Mo-Su 06:00-22:00", 15), ("Mo-Fr 08:00-18:00", 4), ("Mo-Sa 07:00-21:00; Su 09:00-17:00", 5),
            ("Mo-Fr 08:00-20:00; Sa,Su 10:00-16:00; PH off", 4), ("Mo-Su 07:00-19:00", 6), (null, 46)),
    };

    private static void DrinkingWater(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        var named = f.Official || draw.Chance(0.5);
        f.Name = !named ? null : city.Style switch
        {
            Style.China => site switch
            {
                Site.Station => $"{place}地铁站直饮水机",
                Site.Street => $"{place}直饮水站",
                Site.Mall => $"{place}饮水点",
                _ => $"{place}直饮水点",
            },
            Style.London => site switch
            {
                Site.Station => $"{Station(city, place)} refill point",
                Site.Street => $"{place} water fountain",
                Site.Mall => $"{place} refill station",
                _ => $"{place} drinking fountain",
            },
            _ => site switch
            {
                Site.Station => $"{Station(city, place)} water station",
                Site.Mall => $"{place} water refill",
                Site.Beach => $"{place} promenade bubbler",
                _ => $"{place} bubbler",
            },
        };
        f.Operator = Operators.For(draw, city, district, site, place);
        f.Access = site == Site.Mall ? draw.One(("public", 70.0), ("customers", 30)) : draw.One(("public", 92.0), ("unknown", 8));
        f.Fee = draw.Chance(0.6) ? false : null;
        f.OpeningHours = site is Site.Station or Site.Mall ? Hours(draw, site, city.Style) : draw.One<string?>(("24/7", 25.0), (null, 75));
        f.Wheelchair = draw.One(("unknown", 55.0), ("yes", 28), ("limited", 10), ("no", 7));
        draw.Maybe(f, "bottle_refill", () => draw.Chance(site == Site.Station ? 0.9 : 0.6));
        draw.Maybe(f, "dog_bowl", () => draw.Chance(city.Style == Style.China ? 0.03 : site is Site.Park or Site.Beach ? 0.3 : 0.05), 0.4);
        // Beijing's outdoor taps are shut off over its freezing winters.
        var seasonal = city.Name == "Beijing" ? 0.45 : city.Style == Style.London ? 0.15 : 0.05;
        draw.Maybe(f, "seasonal", () => site is not (Site.Station or Site.Mall) && draw.Chance(seasonal), 0.5);
    }

    private static void Aed(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        var china = city.Style == Style.China;
        var phoneBox = city.Style == Style.London && site == Site.Street && draw.Chance(0.5);
        f.Name = china
            ? site switch
            {
                Site.Station => $"{place}地铁站AED",
                Site.Park => $"{place}游客服务中心AED",
                Site.Street => $"{place}社区服务站AED",
                _ => $"{place}AED",
            }
            : site switch
            {
                Site.Station => $"{Station(city, place)} defibrillator",
                Site.Street when phoneBox => $"{place} phone box defibrillator",
                Site.Beach => $"{place} surf club defibrillator",
                _ => $"{place} defibrillator",
            };
        if (!f.Official && draw.Chance(0.2))
        {
            f.Name = null;
        }
        f.Operator = site == Site.Street && !china ? draw.One<string?>(("Community Heartbeat Trust", 50.0), (district.Admin, 50)) : Operators.For(draw, city, district, site, place);
        var indoor = site is Site.Station or Site.Mall || (site != Site.Street && draw.Chance(0.5));
        f.Access = indoor ? draw.One(("public", 70.0), ("customers", 15), ("private", 5), ("unknown", 10)) : draw.One(("public", 90.0), ("unknown", 10));
        f.OpeningHours = indoor ? Hours(draw, site, city.Style) : draw.One<string?>(("24/7", 70.0), (null, 30));
        f.Wheelchair = draw.One(("unknown", 60.0), ("yes", 30), ("limited", 7), ("no", 3));
        draw.Maybe(f, "indoor", () => indoor, 0.8);
        if (indoor)
        {
            draw.Maybe(f, "level", () => city.Style switch
            {
                Style.China => draw.One(("1F", 50.0), ("B1", site == Site.Station ? 40 : 15), ("2F", 15), ("B2", 5)),
                Style.London => draw.One(("G", 60.0), ("-1", site == Site.Station ? 30 : 10), ("1", 15)),
                _ => draw.One(("Ground", 60.0), ("Concourse", site == Site.Station ? 30 : 0), ("L1", 15)),
            });
        }
        draw.Maybe(f, "location_description", () => Descriptions.Aed(draw, city.Style, site, indoor, phoneBox, place), 0.7);
        draw.Maybe(f, "cabinet_locked", () => phoneBox || (!indoor && draw.Chance(0.4)) || draw.Chance(0.05));
    }

    private static void Shower(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        var china = city.Style == Style.China;
        var beach = site == Site.Beach;
        f.Name = china
            ? site switch
            {
                Site.Park => $"{place}游泳馆淋浴间",
                Site.Station => $"{place}站骑行驿站淋浴间",
                _ => $"{place}健身中心淋浴间",
            }
            : site switch
            {
                Site.Beach => $"{place} beach showers",
                Site.Park => city.Style == Style.London
                    ? draw.One(($"{place} Lido changing rooms", 40.0), ($"{place} sports pavilion showers", 60))
                    : $"{place} Aquatic Centre showers",
                Site.Station => $"{place} cycle hub showers",
                _ => $"{place} gym showers",
            };
        if (!f.Official && draw.Chance(0.15))
        {
            f.Name = null;
        }
        f.Operator = Operators.For(draw, city, district, site, place);
        f.Access = beach ? "public" : draw.One(("customers", 60.0), ("public", 30), ("private", 5), ("unknown", 5));
        if (beach)
        {
            f.Fee = false;
        }
        else if (f.Access == "customers" || draw.Chance(0.5))
        {
            f.Fee = true;
            f.Charge = city.Style switch
            {
                Style.China => draw.Pick(["¥10", "¥15", "¥20"]),
                Style.London => draw.Pick(["£2.50", "£3.00", "£5.00"]),
                Style.Sydney => draw.Pick(["A$2.00", "A$4.50", "A$7.00"]),
                _ => "FJ$5.00",
            };
        }
        f.OpeningHours = beach ? draw.One<string?>(("24/7", 40.0), (null, 60)) : Hours(draw, site == Site.Park ? Site.Mall : site, city.Style);
        f.Wheelchair = draw.One(("unknown", 50.0), ("yes", 20), ("limited", 15), ("no", 15));
        f.Gender = beach ? draw.One<string[]>(([], 50.0), (["unisex"], 50)) : draw.One<string[]>((["female", "male"], 55.0), (["unisex"], 15), ([], 30));
        f.ChangingTable = draw.One<bool?>((null, 80.0), (false, 15), (true, 5));
        draw.Maybe(f, "hot_water", () => !beach && draw.Chance(0.85));
        draw.Maybe(f, "indoor", () => !beach && draw.Chance(0.9));
    }

    private static void Bench(Draw draw, City city, Site site, Facility f)
    {
        // Benches are rarely named and their operators are rarely recorded.
        f.Operator = null;
        f.Access = draw.One(("public", 92.0), ("permissive", 3), ("unknown", 5));
        f.Wheelchair = draw.One(("unknown", 80.0), ("yes", 12), ("limited", 4), ("no", 4));
        var covered = site == Site.Station ? draw.Chance(0.7) : draw.Chance(0.08);
        draw.Maybe(f, "backrest", () => draw.Chance(city.Style == Style.China ? 0.55 : 0.75), 0.7);
        draw.Maybe(f, "covered", () => covered);
        draw.Maybe(f, "seats", () => draw.One((2, 20.0), (3, 35), (4, 25), (5, 5), (6, 8), (8, 4), (1, 2), (12, 1)), 0.45);
        draw.Maybe(f, "material", () => city.Style switch
        {
            Style.China => draw.One(("stone", 30.0), ("wood", 30), ("metal", 20), ("concrete", 10), ("plastic", 10)),
            Style.London => draw.One(("wood", 60.0), ("metal", 25), ("stone", 5), ("concrete", 5), ("plastic", 5)),
            _ => draw.One(("wood", 45.0), ("metal", 30), ("concrete", 15), ("stone", 5), ("plastic", 5)),
        });
    }

    private static void Common(Draw draw, Facility f)
    {
        if (draw.Chance(0.02))
        {
            f.Status = "temporarily_closed";
            f.StatusUntil = Now.AddDays(draw.Between(10, 180));
        }
        f.Confidence = Math.Round(f.Official ? draw.Between(0.7, 0.95) : draw.Between(0.3, 0.9), 2);
        if (draw.Chance(f.Official ? 0.65 : 0.4))
        {
            f.LastVerifiedAt = Now.AddMinutes(-draw.Between(60, 365 * 24 * 60));
        }
    }
}

static class Toilets
{
    public static void Fill(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        switch (city.Style)
        {
            case Style.China:
                China(draw, city, district, site, place, f);
                break;
            case Style.Fiji:
                Fiji(draw, place, f);
                break;
            default:
                English(draw, city, district, site, place, f);
                break;
        }
    }

    private static void China(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        var portable = site is Site.Park or Site.Street && draw.Chance(0.05);
        f.Name = site switch
        {
            _ when portable => $"{place}移动公厕",
            Site.Park => draw.One(($"{place}公厕", 50.0), ($"{place}{draw.Pick(Places.Gates)}公厕", 30), ($"{place}{draw.Between(1, 6)}号公厕", 20)),
            Site.Street => draw.One(($"{place}公厕", 60.0), ($"{place}{draw.Between(1, 399)}号公厕", 40)),
            Site.Station => draw.One(($"{place}地铁站公厕", 60.0), ($"{place}站卫生间", 40)),
            _ => $"{place}卫生间",
        };
        if (!f.Official && draw.Chance(0.1))
        {
            f.Name = null;
        }
        f.Operator = Operators.For(draw, city, district, site, place);
        // China grades tourist and public toilets A, AA or AAA (GB/T 18973): a grade comes from the official
        // register, so community records carry none.
        f.OfficialGrade = f.Official && site is Site.Park or Site.Street && !portable
            ? draw.One<string?>(("A", 30.0), ("AA", 25), ("AAA", 12), (null, 33))
            : null;
        var grade = f.OfficialGrade?.Length ?? 0;
        f.Access = site == Site.Mall ? draw.One(("public", 70.0), ("customers", 30)) : draw.One(("public", 92.0), ("permissive", 3), ("unknown", 5));
        f.Fee = draw.One<bool?>((false, 90.0), (null, 8), (true, 2));
        f.Charge = f.Fee == true ? draw.Pick(["¥0.50", "¥1"]) : null;
        f.OpeningHours = site is Site.Park or Site.Street
            ? draw.One<string?>(("24/7", 20.0), ("Mo-Su 06:00-22:00", 22), ("Mo-Su 05:00-23:00", 10), ("Mo-Su 07:00-19:00", 4),
                ("Mo-Fr 08:00-20:00; Sa,Su 10:00-16:00; PH off", 1), ("22:00-06:00", 0.5), (null, 42.5))
            : Generator.Hours(draw, site, city.Style);
        f.Wheelchair = grade == 3 ? draw.One(("yes", 85.0), ("limited", 15))
            : draw.One(("yes", 30.0 + 10 * grade), ("limited", 15), ("no", 20), ("unknown", 35 - 10 * grade));
        f.ChangingTable = grade == 3 || site == Site.Mall ? draw.One<bool?>((true, 75.0), (false, 10), (null, 15)) : draw.One<bool?>((true, 20.0), (false, 35), (null, 45));
        f.AdultChangingTable = grade == 3 ? draw.One<bool?>((true, 20.0), (false, 30), (null, 50)) : null;
        // Top-grade toilets have a "third restroom" (第三卫生间), a family room usable by anyone: hence unisex.
        f.Gender = grade == 3 ? ["female", "male", "unisex"]
            : portable ? ["unisex"]
            : draw.One<string[]>((["female", "male"], 60.0), (["female", "male", "unisex"], 12), (["unisex"], 5), ([], 23));
        draw.Maybe(f, "hand_washing", () => !portable && draw.Chance(0.85));
        draw.Maybe(f, "toilet_paper", () => draw.Chance(grade >= 2 || site == Site.Mall ? 0.9 : 0.5));
        draw.Maybe(f, "squat", () => portable || draw.Chance(site == Site.Mall ? 0.6 : 0.85));
        draw.Maybe(f, "indoor", () => site is Site.Station or Site.Mall);
        draw.Maybe(f, "disposal", () => portable ? "chemical" : "flush", 0.5);
    }

    private static void English(Draw draw, City city, District district, Site site, string place, Facility f)
    {
        var london = city.Style == Style.London;
        // Westminster's pop-up night urinals: open only on weekend nights.
        var urinal = london && site == Site.Street && district.Admin == "Westminster City Council" && draw.Chance(0.08);
        var superloo = london && site == Site.Street && !urinal && draw.Chance(0.35);
        f.Name = site switch
        {
            _ when urinal => $"{place} night urinal",
            Site.Park => draw.One(($"{place} Toilets", 50.0), ($"{place} Public Toilets", 20), ($"{place} {draw.Pick(Places.EnglishGates)} Toilets", 15),
                (london ? $"{place} Café Toilets" : $"{place} Amenities", 15)),
            Site.Beach => draw.One(($"{place} Beach Amenities", 40.0), ($"{place} Beach {draw.Pick(Places.EnglishEnds)} Toilets", 40), ($"{place} Pavilion Toilets", 20)),
            Site.Street => superloo ? $"{place} Automatic Public Toilet" : draw.One(($"{place} Public Toilets", 60.0), ($"{place} Toilets", 40)),
            Site.Station => $"{Generator.Station(city, place)} Toilets",
            Site.Pub => $"{place} (Community Toilet Scheme)",
            _ => $"{place} Toilets",
        };
        if (!f.Official && draw.Chance(0.1))
        {
            f.Name = null;
        }
        f.Operator = Operators.For(draw, city, district, site, place);
        f.Access = site switch
        {
            Site.Mall => draw.One(("public", 55.0), ("customers", 45)),
            // Community Toilet Scheme venues let anyone in without buying anything, at the venue's discretion.
            Site.Pub => draw.One(("permissive", 80.0), ("customers", 20)),
            _ => draw.One(("public", 88.0), ("key", 3), ("customers", 3), ("unknown", 6)),
        };
        var charges = london ? ["£0.50", "£0.50", "£0.50", "£1.00", "£0.20"] : new[] { "A$1.00" };
        f.Fee = (london, site) switch
        {
            (true, Site.Station) => draw.One<bool?>((true, 70.0), (false, 20), (null, 10)),
            (true, Site.Street) => superloo || draw.Chance(0.3) ? true : draw.One<bool?>((false, 70.0), (null, 30)),
            (true, Site.Park) => draw.One<bool?>((true, 25.0), (false, 60), (null, 15)),
            (_, Site.Mall or Site.Pub) => draw.One<bool?>((false, 85.0), (null, 15)),
            _ => draw.One<bool?>((false, 88.0), (null, 10), (true, 2)),
        };
        f.Charge = f.Fee == true ? (superloo ? "£0.50" : draw.Pick(charges)) : null;
        f.OpeningHours = urinal ? "Fr,Sa 20:00-04:00"
            : superloo ? draw.One<string?>(("24/7", 60.0), ("Mo-Su 06:00-22:00", 20), (null, 20))
            : Generator.Hours(draw, site == Site.Beach ? Site.Park : site, city.Style);
        f.Wheelchair = urinal ? "no" : draw.One(("yes", 38.0), ("limited", 14), ("no", 16), ("unknown", 32));
        if (f.Wheelchair == "yes" && site is not (Site.Pub or Site.Mall) && draw.Chance(0.45))
        {
            // RADAR (UK) and MLAK (Australia) keys open accessible toilets that are locked against misuse.
            f.KeyScheme = london ? "RADAR" : "MLAK";
        }
        if (f.KeyScheme is not null && site == Site.Street && draw.Chance(0.3))
        {
            f.Access = "key";
        }
        f.ChangingTable = urinal ? false : draw.One<bool?>((true, 30.0), (false, 25), (null, 45));
        // Changing Places toilets, with a hoist and an adult-sized bench, are few and far between.
        f.AdultChangingTable = site is Site.Station or Site.Mall or Site.Park && draw.Chance(0.3)
            ? draw.One<bool?>((true, 12.0), (false, 88))
            : null;
        f.Gender = urinal ? ["male"]
            : superloo ? ["unisex"]
            : draw.One<string[]>((["female", "male"], 50.0), (["unisex"], 15), (["female", "male", "unisex"], 7), (["all_gender"], 6), ([], 22));
        draw.Maybe(f, "hand_washing", () => !urinal && draw.Chance(0.9));
        draw.Maybe(f, "toilet_paper", () => !urinal && draw.Chance(0.9));
        draw.Maybe(f, "squat", () => draw.Chance(0.02), 0.4);
        draw.Maybe(f, "indoor", () => site is Site.Station or Site.Mall or Site.Pub);
        draw.Maybe(f, "disposal", () => draw.Chance(site == Site.Park ? 0.06 : 0.01) ? "chemical" : "flush", 0.5);
    }

    private static void Fiji(Draw draw, string place, Facility f)
    {
        f.Name = draw.Chance(0.8) ? $"{place} Toilets" : null;
        f.Access = draw.One(("public", 60.0), ("customers", 25), ("unknown", 15));
        f.Fee = draw.One<bool?>((false, 50.0), (null, 50));
        f.Wheelchair = draw.One(("limited", 20.0), ("no", 30), ("unknown", 50));
        f.Gender = draw.One<string[]>((["female", "male"], 50.0), ([], 50));
        draw.Maybe(f, "hand_washing", () => draw.Chance(0.6));
        draw.Maybe(f, "squat", () => false);
        draw.Maybe(f, "disposal", () => draw.One(("flush", 55.0), ("pitlatrine", 35), ("chemical", 10)), 0.8);
    }
}

static class Operators
{
    public static string? For(Draw draw, City city, District district, Site site, string place) => (city.Style, site) switch
    {
        (Style.Fiji, _) => null,
        (Style.China, Site.Park) => $"{place}管理处",
        (Style.China, Site.Street) => draw.One(($"{district.Admin}环境卫生管理所", 60.0), ($"{district.Admin}城市管理局", 40)),
        (Style.China, Site.Station) => city.Transit,
        (Style.London, Site.Park) when Places.RoyalParks.Contains(place) => "The Royal Parks",
        (Style.London, Site.Station) => Places.NetworkRailStations.Contains(place) ? "Network Rail" : city.Transit,
        (Style.Sydney, Site.Station) => place.EndsWith("Wharf", StringComparison.Ordinal) ? "Transport for NSW" : city.Transit,
        (_, Site.Mall or Site.Pub) => place,
        _ => district.Admin,
    };
}

static class Descriptions
{
    public static string Aed(Draw draw, Style style, Site site, bool indoor, bool phoneBox, string place) => (style, site, indoor) switch
    {
        (Style.China, Site.Station, _) => $"站厅层{draw.Pick(["A", "B", "C", "D"])}口附近客服中心旁",
        (Style.China, Site.Mall, _) => draw.Pick(["一楼服务台旁", "正门入口右侧墙上", "电梯厅旁消防栓箱边", "保安室门口"]),
        (Style.China, _, true) => draw.Pick(["游客服务中心入口右侧墙上", "大厅服务台旁", "一楼值班室门口"]),
        (Style.China, _, false) => draw.Pick(["广场东侧治安岗亭旁", "公园正门左侧AED箱内", "公交站台旁AED箱内"]),
        _ when phoneBox => $"Inside the converted red telephone box on {place}; call 999 for the cabinet code",
        (_, Site.Station, _) => draw.Pick(["On the wall beside the ticket office", "Next to the help point on the main concourse", "In the station supervisor's office; ask staff"]),
        (_, Site.Mall, _) => draw.Pick(["At the customer service desk", "Next to the main entrance, inside the lobby", "By the lifts on the ground floor"]),
        (_, Site.Beach, _) => "In the surf lifesaving club, beside the first aid room; ask a lifeguard",
        (_, _, true) => draw.Pick(["Inside the café, behind the counter", "In the visitor centre, beside the door", "In the reception area of the leisure centre"]),
        _ => draw.Pick(["On the outside wall of the park café, in a yellow cabinet", "In a green cabinet on the wall of the public toilets", "Beside the bus shelter, in a yellow cabinet"]),
    };
}

static class Json
{
    private static readonly JsonWriterOptions Options = new()
    {
        // Chinese names and "£" stay readable in the file instead of becoming \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Dataset(Dataset d) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("key", d.Key);
        w.WriteString("kind", d.Kind);
        w.WriteString("name", d.Name);
        w.WriteString("license", d.License);
        w.WriteString("attribution", d.Attribution);
        w.WriteEndObject();
    });

    public static string Feature(Facility f) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", "Feature");
        w.WriteStartObject("geometry");
        w.WriteString("type", "Point");
        w.WriteStartArray("coordinates");
        // Exactly six decimals (~0.1 m): [lon, lat] as RFC 7946 orders them.
        w.WriteRawValue(f.Lon.ToString("F6", CultureInfo.InvariantCulture));
        w.WriteRawValue(f.Lat.ToString("F6", CultureInfo.InvariantCulture));
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("properties");
        w.WriteString("dataset", f.Official ? "demo-official" : "demo-community");
        w.WriteString("record_id", f.RecordId);
        w.WriteString("category", f.Category);
        w.WriteString("name", f.Name);
        w.WriteString("operator", f.Operator);
        w.WriteString("status", f.Status);
        WriteTime(w, "status_until", f.StatusUntil);
        w.WriteString("access", f.Access);
        WriteBool(w, "fee", f.Fee);
        w.WriteString("charge", f.Charge);
        w.WriteString("opening_hours", f.OpeningHours);
        w.WriteString("wheelchair", f.Wheelchair);
        WriteBool(w, "changing_table", f.ChangingTable);
        WriteBool(w, "adult_changing_table", f.AdultChangingTable);
        w.WriteStartArray("gender");
        foreach (var g in f.Gender)
        {
            w.WriteStringValue(g);
        }
        w.WriteEndArray();
        w.WriteString("key_scheme", f.KeyScheme);
        w.WriteString("official_grade", f.OfficialGrade);
        w.WriteStartObject("attributes");
        foreach (var (key, value) in f.Attributes)
        {
            switch (value)
            {
                case bool b:
                    w.WriteBoolean(key, b);
                    break;
                case int i:
                    w.WriteNumber(key, i);
                    break;
                default:
                    w.WriteString(key, (string)value);
                    break;
            }
        }
        w.WriteEndObject();
        w.WritePropertyName("confidence");
        w.WriteRawValue(f.Confidence.ToString("0.00", CultureInfo.InvariantCulture));
        WriteTime(w, "last_verified_at", f.LastVerifiedAt);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static void WriteBool(Utf8JsonWriter w, string name, bool? value)
    {
        if (value is { } b)
        {
            w.WriteBoolean(name, b);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTime? value) =>
        w.WriteString(name, value?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

static class Report
{
    /// <summary>Counts per city and category, as a Markdown table for data-seed/README.md.</summary>
    public static string Table(List<Facility> facilities)
    {
        string[] categories = ["toilet", "drinking_water", "aed", "bench", "shower"];
        var rows = new StringBuilder();
        rows.Append("| city | ").Append(string.Join(" | ", categories)).Append(" | official | community | total |\n");
        rows.Append("|---|").Append(string.Concat(categories.Select(_ => "---:|"))).Append("---:|---:|---:|\n");
        void Row(string label, List<Facility> group) => rows
            .Append("| ").Append(label).Append(" | ")
            .Append(string.Join(" | ", categories.Select(c => group.Count(f => f.Category == c))))
            .Append(" | ").Append(group.Count(f => f.Official))
            .Append(" | ").Append(group.Count(f => !f.Official))
            .Append(" | ").Append(group.Count).Append(" |\n");
        foreach (var city in Places.Cities)
        {
            Row(city.Name, facilities.FindAll(f => f.City == city.Name));
        }
        Row("**all**", facilities);
        var closed = facilities.Count(f => f.Status == "temporarily_closed");
        var verified = facilities.Count(f => f.LastVerifiedAt is not null);
        var graded = facilities.Count(f => f.OfficialGrade is not null);
        var westOf180 = facilities.Count(f => f.City == "Taveuni" && f.Lon < 0);
        rows.Append('\n').Append(CultureInfo.InvariantCulture, $"temporarily closed: {closed}; last verified known: {verified}; ")
            .Append(CultureInfo.InvariantCulture, $"with an official grade: {graded}; Taveuni west of 180° (negative longitude): {westOf180}");
        return rows.ToString();
    }
}

static class Places
{
    public static readonly Dataset[] Datasets =
    [
        new("demo-official", "official", "Demo city open data (synthetic)", "CC-BY-4.0", "Synthetic demo data, not a real city's records"),
        new("demo-community", "community", "Demo community contributions (synthetic)", "ODbL-1.0", "Synthetic demo data"),
    ];

    public static readonly string[] Gates = ["东门", "南门", "西门", "北门"];
    public static readonly string[] EnglishGates = ["North Gate", "South Gate", "East Gate", "West Gate", "Lakeside"];
    public static readonly string[] EnglishEnds = ["North", "South"];

    public static readonly HashSet<string> RoyalParks = new(StringComparer.Ordinal)
    {
        "Hyde Park", "Green Park", "St James's Park", "Regent's Park", "Kensington Gardens", "Greenwich Park", "Primrose Hill",
    };

    public static readonly HashSet<string> NetworkRailStations = new(StringComparer.Ordinal)
    {
        "Victoria", "Charing Cross", "Liverpool Street", "King's Cross", "Euston", "London Bridge", "Waterloo", "Paddington",
        "Cannon Street", "Fenchurch Street", "St Pancras",
    };

    public static readonly City[] Cities =
    [
        new("NJ", "Nanjing", Style.China, 850, "南京地铁",
        [
            new("新街口", 32.0416, 118.7784, 1.2, 3, "秦淮区", ["朝天宫", "大行宫广场", "总统府"], ["中山路", "汉中路", "洪武路", "中山南路", "管家桥", "石鼓路", "淮海路", "丰富路"], ["新街口", "大行宫", "张府园"], ["德基广场", "新街口百货", "金鹰国际", "中央商场"]),
            new("鼓楼", 32.0665, 118.7700, 1.5, 2, "鼓楼区", ["鼓楼公园", "北极阁公园", "清凉山公园", "古林公园"], ["北京西路", "中山北路", "广州路", "宁海路", "湖南路", "云南路", "虎踞路"], ["鼓楼", "云南路", "珠江路"], ["凤凰国际书城", "湖南路苏宁"]),
            new("玄武湖", 32.0760, 118.7950, 1.3, 2, "玄武区", ["玄武湖公园", "九华山公园", "情侣园"], ["玄武大道", "龙蟠路", "北京东路", "太平北路", "长江路"], ["玄武门", "南京站", "鸡鸣寺"], ["南京站南广场", "太平洋百货"]),
            new("夫子庙", 32.0205, 118.7880, 1.2, 2, "秦淮区", ["白鹭洲公园", "瞻园", "中华门城堡"], ["贡院街", "平江府路", "建康路", "长乐路", "大石坝街", "瞻园路"], ["夫子庙", "三山街", "武定门"], ["水游城", "科举博物馆"]),
            new("河西", 32.0030, 118.7300, 1.8, 2, "建邺区", ["南京眼步行桥", "绿博园", "滨江公园"], ["江东中路", "应天大街", "庐山路", "嘉陵江东街", "河西大街"], ["元通", "奥体中心", "集庆门大街"], ["河西万达广场", "奥体中心", "金鹰世界"]),
            new("钟山", 32.0550, 118.8450, 1.6, 1.5, "玄武区", ["中山陵", "明孝陵", "音乐台", "灵谷寺"], ["石象路", "陵园路", "环陵路"], ["苜蓿园", "下马坊"], ["中山陵游客中心"]),
            new("仙林", 32.1050, 118.9200, 2.0, 1, "栖霞区", ["羊山公园", "仙林湖公园"], ["文苑路", "仙林大道", "学海路", "元化路"], ["仙林中心", "学则路", "南大仙林校区"], ["仙林金鹰", "东城汇"]),
            new("百家湖", 31.9300, 118.8200, 2.0, 1.5, "江宁区", ["百家湖公园", "九龙湖公园", "竹山公园"], ["双龙大道", "天元中路", "胜太路", "秣陵路"], ["百家湖", "胜太路", "竹山路"], ["江宁万达广场", "1912百家湖"]),
        ]),
        new("SH", "Shanghai", Style.China, 900, "上海地铁",
        [
            new("人民广场", 31.2317, 121.4753, 1.2, 3, "黄浦区", ["人民公园", "人民广场", "延中绿地"], ["南京东路", "西藏中路", "福州路", "九江路", "黄陂北路", "武胜路"], ["人民广场", "大世界", "南京东路"], ["来福士广场", "第一百货", "新世界城"]),
            new("外滩", 31.2400, 121.4900, 1.0, 2, "黄浦区", ["黄浦公园", "外滩滨水区", "豫园"], ["中山东一路", "滇池路", "四川中路", "河南中路", "方浜中路"], ["豫园", "天潼路"], ["外滩源", "豫园商城"]),
            new("陆家嘴", 31.2397, 121.4998, 1.3, 2.5, "浦东新区", ["陆家嘴中心绿地", "滨江大道", "东昌滨江绿地"], ["世纪大道", "陆家嘴环路", "银城中路", "浦东南路", "东方路"], ["陆家嘴", "东昌路", "商城路"], ["国金中心", "正大广场", "上海中心"]),
            new("徐家汇", 31.1950, 121.4360, 1.5, 2, "徐汇区", ["徐家汇公园", "光启公园", "桂林公园"], ["漕溪北路", "虹桥路", "衡山路", "华山路", "肇嘉浜路", "天钥桥路"], ["徐家汇", "上海体育场", "衡山路"], ["港汇恒隆", "美罗城", "太平洋百货"]),
            new("静安寺", 31.2235, 121.4450, 1.3, 2, "静安区", ["静安公园", "中山公园", "复兴公园"], ["南京西路", "延安中路", "常德路", "愚园路", "富民路", "陕西北路"], ["静安寺", "江苏路", "常熟路"], ["久光百货", "嘉里中心", "恒隆广场"]),
            new("五角场", 31.3000, 121.5140, 1.8, 1.5, "杨浦区", ["共青森林公园", "黄兴公园", "复旦校园"], ["邯郸路", "四平路", "国定路", "淞沪路", "翔殷路"], ["五角场", "江湾体育场", "国权路"], ["万达广场", "合生汇"]),
            new("世纪公园", 31.2150, 121.5510, 1.6, 1.5, "浦东新区", ["世纪公园", "科技馆绿地", "花木公园"], ["锦绣路", "芳甸路", "花木路", "梅花路"], ["世纪公园", "上海科技馆", "花木路"], ["浦东嘉里城", "上海国际博览中心"]),
            new("虹桥", 31.1970, 121.3200, 2.0, 1.5, "长宁区", ["天山公园", "新虹桥中心花园", "虹桥公园"], ["仙霞路", "虹桥路", "娄山关路", "天山路", "申长路"], ["虹桥火车站", "虹桥2号航站楼", "娄山关路"], ["虹桥天地", "龙湖虹桥天街"]),
        ]),
        new("BJ", "Beijing", Style.China, 850, "北京地铁",
        [
            new("前门", 39.9000, 116.3975, 1.2, 2.5, "东城区", ["天坛公园", "中山公园", "劳动人民文化宫"], ["前门大街", "大栅栏", "鲜鱼口街", "珠市口东大街", "廊房头条"], ["前门", "天安门东", "崇文门"], ["北京坊", "前门大街商业街"]),
            new("王府井", 39.9140, 116.4110, 1.2, 2, "东城区", ["皇城根遗址公园", "菖蒲河公园", "景山公园"], ["王府井大街", "东单北大街", "金鱼胡同", "灯市口大街", "南河沿大街"], ["王府井", "灯市口", "东单"], ["王府中環", "东方新天地", "北京apm"]),
            new("三里屯", 39.9360, 116.4550, 1.4, 2, "朝阳区", ["团结湖公园", "日坛公园", "朝阳公园"], ["工人体育场北路", "三里屯路", "新东路", "东大桥路", "幸福三村"], ["团结湖", "东四十条", "农业展览馆"], ["太古里", "世贸天阶"]),
            new("国贸", 39.9087, 116.4600, 1.3, 2, "朝阳区", ["庆丰公园", "通惠河畔绿地"], ["建国门外大街", "东三环中路", "光华路", "景华南街"], ["国贸", "永安里", "大望路"], ["国贸商城", "SKP", "华贸中心"]),
            new("中关村", 39.9830, 116.3160, 1.6, 2, "海淀区", ["海淀公园", "紫竹院公园", "中关村广场"], ["中关村大街", "海淀大街", "北四环西路", "知春路", "成府路"], ["中关村", "海淀黄庄", "知春路"], ["欧美汇", "新中关购物中心"]),
            new("奥林匹克公园", 40.0000, 116.3900, 1.8, 1.5, "朝阳区", ["奥林匹克森林公园", "奥林匹克公园中心区", "元大都城垣遗址公园"], ["北辰东路", "北辰西路", "科荟路", "安立路"], ["奥林匹克公园", "森林公园南门", "北土城"], ["国家体育场", "新奥购物中心"]),
            new("西单", 39.9070, 116.3740, 1.2, 1.5, "西城区", ["北海公园", "什刹海", "月坛公园"], ["西单北大街", "西长安街", "灵境胡同", "宣武门内大街"], ["西单", "宣武门", "复兴门"], ["西单大悦城", "汉光百货"]),
            new("颐和园", 39.9990, 116.2750, 1.5, 1, "海淀区", ["颐和园", "圆明园", "北京植物园"], ["颐和园路", "新建宫门路", "万泉河路"], ["北宫门", "西苑", "圆明园"], ["颐和园游客中心"]),
        ]),
        new("LDN", "London", Style.London, 800, "Transport for London",
        [
            new("Westminster", 51.5000, -0.1300, 1.2, 2.5, "Westminster City Council", ["St James's Park", "Green Park", "Victoria Tower Gardens", "Victoria Embankment Gardens"], ["Whitehall", "Victoria Street", "Horseferry Road", "Strutton Ground", "Millbank"], ["Victoria", "Charing Cross", "Westminster", "St James's Park"], ["Cardinal Place", "Westminster Abbey shop"]),
            new("Soho", 51.5130, -0.1340, 0.9, 2.5, "Westminster City Council", ["Soho Square", "Golden Square", "Leicester Square"], ["Oxford Street", "Dean Street", "Old Compton Street", "Shaftesbury Avenue", "Wardour Street", "Berwick Street"], ["Tottenham Court Road", "Piccadilly Circus", "Oxford Circus", "Leicester Square"], ["Foyles", "Covent Garden Market", "The Red Lion", "The Crown"]),
            new("City of London", 51.5150, -0.0900, 1.0, 2, "City of London Corporation", ["Finsbury Circus", "St Paul's Churchyard", "Postman's Park"], ["Cheapside", "Moorgate", "Leadenhall Street", "Bishopsgate", "Fleet Street"], ["Liverpool Street", "Cannon Street", "Fenchurch Street", "Bank", "Moorgate"], ["One New Change", "Leadenhall Market", "The Blackfriar"]),
            new("Camden", 51.5390, -0.1430, 1.2, 1.5, "Camden Council", ["Regent's Park", "Primrose Hill", "Camley Street Natural Park"], ["Camden High Street", "Parkway", "Chalk Farm Road", "Kentish Town Road"], ["Camden Town", "Chalk Farm", "Mornington Crescent"], ["Camden Market", "The Roundhouse", "The Good Mixer"]),
            new("Hyde Park", 51.5073, -0.1657, 1.0, 2, "Westminster City Council", ["Hyde Park", "Kensington Gardens", "The Serpentine"], ["Park Lane", "Bayswater Road", "Edgware Road", "Knightsbridge"], ["Marble Arch", "Hyde Park Corner", "Lancaster Gate", "Paddington"], ["Harrods", "The Swan"]),
            new("King's Cross", 51.5310, -0.1240, 0.9, 2, "Camden Council", ["Granary Square", "Lewis Cubitt Park", "St Pancras Gardens"], ["Euston Road", "York Way", "Pentonville Road", "Caledonian Road"], ["King's Cross", "St Pancras", "Euston"], ["Coal Drops Yard", "The Parcel Yard"]),
            new("Shoreditch", 51.5260, -0.0780, 1.1, 1.5, "Hackney Council", ["Hoxton Square", "Shoreditch Park", "Arnold Circus"], ["Shoreditch High Street", "Brick Lane", "Old Street", "Hoxton Street", "Kingsland Road"], ["Old Street", "Shoreditch High Street", "Hoxton"], ["Boxpark Shoreditch", "Old Spitalfields Market", "The Golden Heart"]),
            new("Canary Wharf", 51.5054, -0.0235, 0.8, 1.5, "Tower Hamlets Council", ["Jubilee Park", "Canada Square Park", "Mudchute Park"], ["Westferry Road", "West India Avenue", "Marsh Wall", "Westferry Circus"], ["Canary Wharf", "Heron Quays", "West India Quay"], ["Cabot Place", "Canada Place", "The Gun"]),
            new("Greenwich", 51.4820, -0.0080, 1.1, 1.5, "Royal Borough of Greenwich", ["Greenwich Park", "Cutty Sark Gardens", "Blackheath"], ["Greenwich High Road", "King William Walk", "Trafalgar Road", "Creek Road"], ["Cutty Sark", "Greenwich", "Maze Hill"], ["Greenwich Market", "The Trafalgar Tavern"]),
            new("Brixton", 51.4613, -0.1150, 1.2, 1.5, "Lambeth Council", ["Brockwell Park", "Windrush Square", "Clapham Common"], ["Brixton Road", "Coldharbour Lane", "Acre Lane", "Electric Avenue", "Atlantic Road"], ["Brixton", "Stockwell", "Clapham North"], ["Brixton Village", "Pop Brixton", "The Effra"]),
        ]),
        new("SYD", "Sydney", Style.Sydney, 588, "Sydney Trains",
        [
            new("Sydney CBD", -33.8688, 151.2093, 0.9, 3, "City of Sydney", ["Hyde Park", "Wynyard Park", "The Domain", "Martin Place"], ["George Street", "Pitt Street", "Elizabeth Street", "Castlereagh Street", "Macquarie Street"], ["Town Hall", "Wynyard", "Martin Place", "St James", "Museum"], ["Queen Victoria Building", "Westfield Sydney", "The Strand Arcade"]),
            new("Circular Quay", -33.8610, 151.2110, 0.6, 2, "City of Sydney", ["Royal Botanic Garden", "First Fleet Park", "Observatory Hill"], ["Alfred Street", "George Street North", "Argyle Street", "Circular Quay West"], ["Circular Quay", "Circular Quay Wharf", "Barangaroo Wharf"], ["Overseas Passenger Terminal", "The Rocks Centre"]),
            new("Darling Harbour", -33.8740, 151.2000, 0.7, 2, "City of Sydney", ["Tumbalong Park", "Chinese Garden of Friendship", "Pyrmont Bay Park"], ["Harris Street", "Sussex Street", "Darling Drive", "Pier Street"], ["Central", "Pyrmont Bay Wharf", "Exhibition Centre"], ["ICC Sydney", "Harbourside", "Darling Square"]),
            new("Bondi", -33.8915, 151.2767, 0.7, 2, "Waverley Council", ["Bondi Park", "Marks Park", "Waverley Park"], ["Campbell Parade", "Hall Street", "Bondi Road", "Curlewis Street"], ["Bondi Junction"], ["Westfield Bondi Junction", "Bondi Pavilion"], Beach: true),
            new("Manly", -33.7970, 151.2870, 0.7, 1.5, "Northern Beaches Council", ["Manly Corso", "Shelly Beach Reserve", "Ivanhoe Park"], ["The Corso", "South Steyne", "North Steyne", "Sydney Road", "Belgrave Street"], ["Manly Wharf"], ["Manly Wharf shops", "Manly Surf Life Saving Club"], Beach: true),
            new("Coogee", -33.9200, 151.2570, 0.6, 1, "Randwick City Council", ["Goldstein Reserve", "Grant Reserve", "Dolphin Point"], ["Arden Street", "Coogee Bay Road", "Carr Street"], ["Randwick"], ["Coogee Pavilion", "Randwick Junction"], Beach: true),
            new("Parramatta", -33.8150, 151.0010, 1.5, 2, "City of Parramatta", ["Parramatta Park", "Prince Alfred Square", "Robin Thomas Reserve"], ["Church Street", "George Street", "Macquarie Street", "Smith Street"], ["Parramatta", "Parramatta Wharf", "Westmead"], ["Westfield Parramatta", "Parramatta Square"]),
            new("Newtown", -33.8970, 151.1790, 1.0, 1.5, "Inner West Council", ["Camperdown Memorial Rest Park", "Victoria Park", "Enmore Park"], ["King Street", "Enmore Road", "Australia Street", "Missenden Road"], ["Newtown", "Redfern", "Erskineville"], ["Newtown Hotel", "Marrickville Metro"]),
            new("North Sydney", -33.8390, 151.2070, 1.0, 1.5, "North Sydney Council", ["St Leonards Park", "Bradfield Park", "Wendy's Secret Garden"], ["Miller Street", "Walker Street", "Blue Street", "Pacific Highway"], ["North Sydney", "Milsons Point", "Kirribilli Wharf"], ["Greenwood Plaza", "Stanton Library"]),
        ]),
        // Taveuni straddles the 180th meridian: these exercise the antimeridian paths of every spatial query.
        new("FJ", "Taveuni", Style.Fiji, 12, "",
        [
            new("Somosomo", -16.7720, 179.9720, 1.0, 1, "", ["Somosomo Village", "Naqara Market"], [], [], []),
            new("Waiyevo", -16.7880, 179.9990, 1.2, 1.5, "", ["Waiyevo Market", "Dateline Lookout", "Wairiki Mission"], [], [], []),
            new("Matei", -16.6900, -179.8800, 1.5, 1, "", ["Matei Airstrip", "Prince Charles Beach"], [], [], []),
        ]),
    ];
}
