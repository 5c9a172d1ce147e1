namespace Facilities.Api.Web;

/// <summary>
/// Endpoint metadata: the largest request body the endpoint reads (a bigger one is a 413 before parsing). <see cref="Refusal"/>,
/// when given, is the 413's detail in the words of what the body carries ("A photo may be at most 15 MB."), which the page
/// shows as it is; otherwise the detail names the limit in bytes.
/// </summary>
public sealed record BodyLimit(long Bytes, string? Refusal = null);
