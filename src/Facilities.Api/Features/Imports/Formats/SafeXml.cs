using System.Xml;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// XML readers for untrusted files: a DOCTYPE is refused outright (DtdProcessing.Prohibit), so no entity — internal
/// ("billion laughs") or external (a file or URL on the server) — is ever expanded or fetched, and no resolver is
/// set at all.
/// </summary>
public static class SafeXml
{
    public static XmlReader Open(Stream stream) => XmlReader.Create(stream, new XmlReaderSettings
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        MaxCharactersFromEntities = 0,
        CloseInput = false,
    });

    public static ImportFileException Refusal(XmlException e) => new(
        e.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("DOCTYPE", StringComparison.OrdinalIgnoreCase)
            ? "The XML file has a DOCTYPE: files with DTDs or entities are refused, never resolved."
            : $"The file is not well-formed XML: {e.Message}");
}
