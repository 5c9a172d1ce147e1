using System.Text;
using Facilities.Api.Web;
using Microsoft.AspNetCore.WebUtilities;

namespace Facilities.Tests;

/// <summary>
/// The sections an endpoint reads through <see cref="StorableParts.ReadNextStorableSectionAsync"/>: what passes the
/// check reaches the endpoint unchanged however the body arrives, file parts are never looked into, and a part whose
/// name, file name or text is not storable is refused naming it, even a text part the endpoint skips.
/// </summary>
public sealed class StorablePartsTests
{
    private const string Boundary = "--b0undary";

    /// <summary>Two-, three- and four-byte UTF-8, and line breaks followed by most of the delimiter.</summary>
    private const string GoodText = "Café 南京 \U0001F6BB\r\n-\r\n----b0undar\r\n\r\n---b0undary\r\n----b0undarz";

    /// <summary>Not text: a NUL, a byte that is not UTF-8 and a surrogate's CESU-8 bytes, all of which a file may hold.</summary>
    private static readonly byte[] FileBytes = [0x00, 0xFF, 0xED, 0xA0, 0x80, (byte)'\r', (byte)'\n', (byte)'-', (byte)'-'];

    /// <summary>
    /// A text part holding the given bytes, then a file part, between a preamble and an epilogue. The first part's
    /// disposition is written a byte a character (Latin-1), so that <c>\xFF</c> in it is the byte 0xFF.
    /// </summary>
    private static byte[] Body(byte[] text, string disposition = "form-data; name=\"note\"") =>
    [
        .. Encoding.ASCII.GetBytes($"preamble\r\n--{Boundary}\r\nContent-Disposition: "),
        .. Encoding.Latin1.GetBytes(disposition),
        .. "\r\n\r\n"u8.ToArray(),
        .. text,
        .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n" +
                                   "Content-Type: application/octet-stream\r\n\r\n"),
        .. FileBytes,
        .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\nepilogue \0"),
    ];

    public static TheoryData<int> ReadSizes => [1, 3, 7, 4096];

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public async Task Good_text_passes_and_every_part_reaches_the_endpoint_unchanged(int readSize)
    {
        var parts = await ReadAsync(Body(Encoding.UTF8.GetBytes(GoodText)), readSize);

        Assert.Equal(2, parts.Count);
        Assert.Equal(GoodText, Encoding.UTF8.GetString(parts[0]));
        Assert.Equal(FileBytes, parts[1]);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x00, 0x62 })]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80, 0x62 })]
    [InlineData(new byte[] { 0x61, 0xE5, 0x8D })]
    [InlineData(new byte[] { 0x61, 0xFF })]
    public async Task A_nul_or_bytes_that_are_not_utf8_in_a_text_part_are_refused_naming_the_part(byte[] text)
    {
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(Body(text), 7));
        Assert.Equal("note", refused.Failure.PropertyName);
    }

    [Fact]
    public async Task A_text_part_the_endpoint_skips_is_refused_all_the_same()
    {
        var reader = new MultipartReader(Boundary, new MemoryStream(Body([0x61, 0x00])));
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => reader.ReadNextStorableSectionAsync(CancellationToken.None));
        Assert.Equal("note", refused.Failure.PropertyName);
    }

    [Fact]
    public async Task A_json_part_is_checked_as_json()
    {
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(Body(""" {"mapping":{"name":"a\u0000b"}}"""u8.ToArray()), 5));
        Assert.Equal("note.mapping.name", refused.Failure.PropertyName);
    }

    [Theory]
    [InlineData("form-data; name=\"file\"; filename*=UTF-8''a%00b.csv", "file.filename")]
    [InlineData("form-data; name=\"file\"; filename=\"a\xFF.csv\"", "file.filename")]
    [InlineData("form-data; name=\"no\xFFte\"", "parameter name")]
    public async Task A_name_or_file_name_that_is_not_storable_is_refused(string disposition, string field)
    {
        // MultipartReader decodes the byte 0xFF in a header as U+FFFD.
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(Body("id\n1\n"u8.ToArray(), disposition), 4096));
        Assert.Equal(field, refused.Failure.PropertyName);
    }

    [Fact]
    public async Task A_text_part_longer_than_the_bound_is_refused_naming_the_part()
    {
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(Body(new byte[StorableParts.MaxTextPartBytes + 1]), 4096));
        Assert.Equal("note", refused.Failure.PropertyName);
    }

    /// <summary>Every section's body as the endpoint reads it, over a stream that answers at most <paramref name="readSize"/> bytes a read.</summary>
    private static async Task<List<byte[]>> ReadAsync(byte[] body, int readSize)
    {
        var reader = new MultipartReader(Boundary, new Trickle(body, readSize));
        var parts = new List<byte[]>();
        while (await reader.ReadNextStorableSectionAsync(CancellationToken.None) is { } section)
        {
            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content);
            parts.Add(content.ToArray());
        }
        return parts;
    }

    private sealed class Trickle(byte[] bytes, int readSize) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, readSize)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, readSize), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
