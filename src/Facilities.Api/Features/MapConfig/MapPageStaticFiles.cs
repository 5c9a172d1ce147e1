using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Features.MapConfig;

/// <summary>
/// How the map page's files are served. The page's own files (index.html, app.js, i18n.js, app.css) change with every
/// deployment under the same URL, so browsers keep them but revalidate each time (<c>no-cache</c> with the ETag the
/// static file middleware sets: a 304 without a body when nothing changed). A URL with a <c>v</c> query names one
/// version of a file — index.html links Leaflet as <c>leaflet.js?v=1.9.4</c>, the version libman.json pins — so it
/// may be kept for a year without asking. Text is declared UTF-8 (the strings include Chinese); response compression
/// (br, gzip) applies to these types.
/// </summary>
public static class MapPageStaticFiles
{
    public static StaticFileOptions Options { get; } = new()
    {
        ContentTypeProvider = ContentTypes(),
        OnPrepareResponse = context =>
        {
            var headers = context.Context.Response.Headers;
            headers.CacheControl = context.Context.Request.Query.ContainsKey("v")
                ? "public, max-age=31536000, immutable"
                : "no-cache";
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
        },
    };

    private static FileExtensionContentTypeProvider ContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".html"] = "text/html; charset=utf-8";
        provider.Mappings[".js"] = "text/javascript; charset=utf-8";
        provider.Mappings[".css"] = "text/css; charset=utf-8";
        return provider;
    }
}
