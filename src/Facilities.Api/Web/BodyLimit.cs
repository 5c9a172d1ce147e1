namespace Facilities.Api.Web;

/// <summary>Endpoint metadata: the largest request body the endpoint reads (a bigger one is a 413 before parsing).</summary>
public sealed record BodyLimit(long Bytes);
