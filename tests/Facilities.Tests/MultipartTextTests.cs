using System.Text;
using Facilities.Api.Web;
using Microsoft.AspNetCore.WebUtilities;

namespace Facilities.Tests;

/// <summary>
/// The multipart check follows the parts exactly as MultipartReader finds them, however the body arrives: a byte at
/// a time, a delimiter or a UTF-8 sequence cut between reads, text that begins like the delimiter. What it passes,
/// the reader reads unchanged; a bad text part stops the read that would complete it; file parts are never looked into.
/// </summary>
public sealed class MultipartTextTests
{
    private const string Boundary = "--b0undary";

    /// <summary>A preamble, a text part with multi-byte text and near-delimiters, a file part holding NUL bytes, and an epilogue.</summary>
    private static byte[] Body(string text, byte[]? file = null) =>
    [
        .. Encoding.UTF8.GetBytes($"preamble --{Boundary[..4]} not yet\r\n--{Boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"),
        .. Encoding.UTF8.GetBytes(text),
        .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n" +
                                   "Content-Type: application/octet-stream\r\n\r\n"),
        .. file ?? [0x00, 0xFF, 0xED, 0xA0, 0x80, (byte)'\r', (byte)'\n', (byte)'-', (byte)'-'],
        .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\nepilogue \0"),
    ];

    /// <summary>Two-, three- and four-byte UTF-8, and line breaks followed by most of the delimiter (CRLF----b0undary).</summary>
    private const string GoodText = "Café 南京 \U0001F6BB\r\n-\r\n----b0undar\r\n\r\n---b0undary\r\n----b0undarz";

    public static TheoryData<int> ReadSizes => [1, 2, 3, 7, 4096];

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public async Task Good_text_passes_and_the_reader_reads_every_part_unchanged(int readSize)
    {
        var parts = await ReadAsync(Body(GoodText), readSize);

        Assert.Equal(2, parts.Count);
        Assert.Equal(GoodText, Encoding.UTF8.GetString(parts[0]));
        Assert.Equal([0x00, 0xFF, 0xED, 0xA0, 0x80, (byte)'\r', (byte)'\n', (byte)'-', (byte)'-'], parts[1]);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public async Task A_nul_in_a_text_part_is_refused_naming_the_part(int readSize)
    {
        var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(Body("a\0b"), readSize));
        Assert.Equal("note", refused.Failure.PropertyName);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public async Task Bytes_that_are_not_utf8_in_a_text_part_are_refused_even_cut_between_reads(int readSize)
    {
        // A surrogate's CESU-8 bytes, then a three-byte sequence cut short at the part's end.
        foreach (var bad in new byte[][] { [0x61, 0xED, 0xA0, 0x80, 0x62], [0x61, 0xE5, 0x8D] })
        {
            byte[] body =
            [
                .. Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"),
                .. bad,
                .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"),
            ];
            var refused = await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(body, readSize));
            Assert.Equal("note", refused.Failure.PropertyName);
        }
    }

    [Fact]
    public async Task A_json_part_is_checked_as_json_and_a_file_name_as_text()
    {
        byte[] json =
        [
            .. Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"definition\"\r\n\r\n"),
            .. """ {"mapping":{"name":"a\u0000b"}}"""u8.ToArray(),
            .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"),
        ];
        Assert.Equal("definition.mapping.name", (await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(json, 5))).Failure.PropertyName);

        byte[] fileName =
        [
            .. Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%00b.csv\r\n\r\n"),
            .. "id\n1\n"u8.ToArray(),
            .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"),
        ];
        Assert.Equal("file.filename", (await Assert.ThrowsAsync<UnstorableTextException>(() => ReadAsync(fileName, 2))).Failure.PropertyName);
    }

    /// <summary>Every section's body as MultipartReader reads it over the check, over a stream that answers at most <paramref name="readSize"/> bytes a read.</summary>
    private static async Task<List<byte[]>> ReadAsync(byte[] body, int readSize)
    {
        var reader = new MultipartReader(Boundary, new MultipartText(new Trickle(body, readSize), Boundary));
        var parts = new List<byte[]>();
        while (await reader.ReadNextSectionAsync() is { } section)
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
