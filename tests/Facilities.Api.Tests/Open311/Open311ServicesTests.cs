using System.Xml.Linq;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Facilities.Testing;

namespace Facilities.Api.Tests.Open311;

/// <summary>GeoReport v2 services: every report reason, with the spec's field names, in JSON and XML.</summary>
public sealed class Open311ServicesTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string[] Fields = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"];

    [Fact]
    public async Task Services_json_lists_every_report_reason_with_the_specs_field_names()
    {
        var services = await fixture.Client.GetJsonAsync("/open311/v2/services.json");
        Assert.Equal(WireName.All<ReportReason>(), services.EnumerateArray().Select(s => s.GetProperty("service_code").GetString()!).ToArray());
        foreach (var service in services.EnumerateArray())
        {
            Assert.Equal(Fields, service.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.False(service.GetProperty("metadata").GetBoolean());
            Assert.Equal("realtime", service.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Services_xml_is_the_specs_services_service_shape()
    {
        using var response = await fixture.Client.GetAsync("/open311/v2/services.xml");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("services", xml.Root!.Name.LocalName);
        var services = xml.Root.Elements("service").ToList();
        Assert.Equal(WireName.All<ReportReason>(), services.Select(s => s.Element("service_code")!.Value).ToArray());
        Assert.All(services, s =>
        {
            Assert.Equal(Fields, s.Elements().Select(e => e.Name.LocalName).ToArray());
            Assert.Equal("false", s.Element("metadata")!.Value);
            Assert.Equal("realtime", s.Element("type")!.Value);
        });
    }
}
