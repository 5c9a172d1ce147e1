using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>The bulk exports: the whole layer, the licenses of its sources, and CSV a spreadsheet opens safely.</summary>
public sealed class ExportTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    [Fact]
    public async Task GeoJson_export_names_license_and_every_source_before_the_features_and_holds_the_whole_layer()
    {
        using var response = await fixture.Client.GetAsync("/api/v1/export/facilities.geojson", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("rel=\"license\"", string.Join(",", response.Headers.GetValues("Link")), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        // The license and sources come before the first feature, for a reader that streams the file.
        Assert.True(text.IndexOf("\"sources\"", StringComparison.Ordinal) < text.IndexOf("\"features\"", StringComparison.Ordinal));
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal("FeatureCollection", root.GetProperty("type").GetString());
        var sources = root.GetProperty("sources").EnumerateArray().ToList();
        var datasets = await DatasetsWithRecordsAsync();
        Assert.Equal(datasets.Order(), sources.Select(s => s.GetProperty("name").GetString()!).Order());
        Assert.All(sources, s =>
        {
            Assert.False(string.IsNullOrEmpty(s.GetProperty("license").GetString()));
            Assert.False(string.IsNullOrEmpty(s.GetProperty("attribution").GetString()));
        });
        foreach (var license in sources.Select(s => s.GetProperty("license").GetString()!))
        {
            Assert.Contains(license, root.GetProperty("license").GetString(), StringComparison.Ordinal);
        }

        var features = root.Features().ToList();
        Assert.Equal(await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed'"), features.Count);
        var ids = features.Select(f => f.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.DoesNotContain(fixture.RemovedId.ToString(), ids);

        // Each feature is the same as the facility's OGC API item.
        foreach (var id in (Guid[])[fixture.FormulaId, fixture.QuotedId])
        {
            var exported = features.Single(f => f.GetProperty("id").GetString() == id.ToString());
            var item = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{id}");
            Assert.Equal(item.GetProperty("properties").GetRawText(), exported.GetProperty("properties").GetRawText());
            Assert.Equal(item.GetProperty("geometry").GetRawText(), exported.GetProperty("geometry").GetRawText());
        }
    }

    [Fact]
    public async Task Csv_export_is_rfc_4180_and_text_that_a_spreadsheet_would_run_starts_with_an_apostrophe()
    {
        using var response = await fixture.Client.GetAsync("/api/v1/export/facilities.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var link = string.Join(",", response.Headers.GetValues("Link"));
        Assert.Contains($"<{fixture.BaseUrl}/api/v1/export/attribution>", link, StringComparison.Ordinal);
        Assert.Contains("rel=\"license\"", link, StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.False(bytes.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF]), "no byte order mark");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);

        var rows = Rfc4180.Parse(text);
        var header = rows[0];
        Assert.Equal(["id", "category", "lon", "lat", "name", "operator", "status"], header.Take(7));
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
        var records = rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();
        Assert.Equal(await fixture.ScalarAsync("select count(*) from facilities where status <> 'removed'"), records.Count);
        Assert.DoesNotContain(records, r => r["id"] == fixture.RemovedId.ToString());

        var formula = records.Single(r => r["id"] == fixture.FormulaId.ToString());
        Assert.Equal("'" + OpenDataFixture.FormulaName, formula["name"]);
        Assert.Equal("'" + OpenDataFixture.FormulaOperator, formula["operator"]);
        Assert.Equal("'" + OpenDataFixture.FormulaCharge, formula["charge"]);
        Assert.Equal("'" + OpenDataFixture.FormulaKeyScheme, formula["key_scheme"]);
        // Numbers the service writes itself are not text: a negative longitude stays a number.
        Assert.Equal("-0.1276", formula["lon"]);
        Assert.Equal("true", formula["fee"]);
        Assert.Equal("unisex", formula["gender"]);

        var quoted = records.Single(r => r["id"] == fixture.QuotedId.ToString());
        Assert.Equal(OpenDataFixture.QuotedName, quoted["name"]);
        Assert.Equal("'" + OpenDataFixture.QuotedOpeningHours, quoted["opening_hours"]);
        Assert.Equal(3, JsonDocument.Parse(quoted["attributes"]).RootElement.GetProperty("seats").GetInt32());
        Assert.Equal("", quoted["fee"]);

        // No text cell anywhere starts with a formula character.
        foreach (var record in records)
        {
            foreach (var column in (string[])["name", "operator", "charge", "opening_hours", "key_scheme", "official_grade"])
            {
                Assert.False(record[column] is { Length: > 0 } v && v[0] is '=' or '+' or '-' or '@' or '\t' or '\r',
                    $"{column} of {record["id"]} starts with a formula character: {record[column]}");
            }
        }

        // Coordinates and values match the GeoJSON export, row for row.
        var geojson = JsonDocument.Parse(await fixture.Client.GetStringAsync("/api/v1/export/facilities.geojson")).RootElement;
        var features = geojson.Features().ToList();
        Assert.Equal(features.Select(f => f.GetProperty("id").GetString()), records.Select(r => r["id"]));
        foreach (var (feature, record) in features.Zip(records).Where((_, i) => i % 97 == 0))
        {
            var c = feature.GetProperty("geometry").GetProperty("coordinates");
            Assert.Equal(c[0].GetDouble(), double.Parse(record["lon"], CultureInfo.InvariantCulture));
            Assert.Equal(c[1].GetDouble(), double.Parse(record["lat"], CultureInfo.InvariantCulture));
            var p = feature.GetProperty("properties");
            Assert.Equal(p.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture), record["version"]);
            Assert.Equal(p.GetProperty("wheelchair").GetString(), record["wheelchair"]);
            Assert.Equal(p.GetProperty("updated_at").GetDateTime(), DateTime.Parse(record["updated_at"], CultureInfo.InvariantCulture).ToUniversalTime());
        }
    }

    [Fact]
    public async Task Attribution_document_names_every_source_dataset_and_its_license()
    {
        var attribution = await fixture.Client.GetJsonAsync("/api/v1/export/attribution");
        var names = attribution.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order().ToList();
        Assert.Equal((await DatasetsWithRecordsAsync()).Order(), names);
        Assert.Contains("Facilities community", names);
        Assert.Contains("ODbL-1.0", attribution.GetProperty("license").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(attribution.GetProperty("attribution").GetString()));
    }

    private async Task<List<string>> DatasetsWithRecordsAsync()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select distinct d.name from datasets d join source_records s on s.dataset_id = d.id where s.facility_id is not null");
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }
        Assert.True(names.Count >= 3, "the seed's two datasets and the community one");
        return names;
    }
}

/// <summary>A strict RFC 4180 reader, written apart from the service's writer so that the test checks it.</summary>
internal static class Rfc4180
{
    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && cell.Length == 0)
            {
                i++;
                while (true)
                {
                    Assert.True(i < text.Length, "unterminated quoted cell");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            cell.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    cell.Append(text[i++]);
                }
                Assert.True(i >= text.Length || text[i] is ',' or '\r', $"text after a closing quote at {i}");
                continue;
            }
            switch (text[i])
            {
                case ',':
                    row.Add(cell.ToString());
                    cell.Clear();
                    i++;
                    break;
                case '\r':
                    Assert.True(i + 1 < text.Length && text[i + 1] == '\n', "CR without LF");
                    row.Add(cell.ToString());
                    cell.Clear();
                    rows.Add(row);
                    row = [];
                    i += 2;
                    break;
                case '\n' or '"':
                    Assert.Fail($"bare {(text[i] == '"' ? "quote" : "LF")} in an unquoted cell at {i}");
                    break;
                default:
                    cell.Append(text[i++]);
                    break;
            }
        }
        Assert.True(cell.Length == 0 && row.Count == 0, "the last line has no CRLF");
        return rows;
    }
}
