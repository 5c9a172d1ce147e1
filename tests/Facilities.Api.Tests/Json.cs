using System.Net.Http.Json;
using System.Text.Json;

namespace Facilities.Api.Tests;

internal static class Json
{
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Features(this JsonElement collection) =>
        collection.GetProperty("features").EnumerateArray();

    public static string Id(this JsonElement feature) => feature.GetProperty("properties").GetProperty("id").GetString()!;

    public static T? Read<T>(this JsonElement element) => element.Deserialize<T>();
}
