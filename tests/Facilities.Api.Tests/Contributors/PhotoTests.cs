using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.FileType;
using MetadataExtractor.Formats.Jfif;
using MetadataExtractor.Formats.Jpeg;
using SkiaSharp;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Photos: re-encoded without metadata, oriented, refused when not a plain image of a sane size, reviewed below the privilege.</summary>
public sealed class PhotoTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task A_jpeg_with_gps_exif_comes_back_oriented_and_with_no_metadata_at_all()
    {
        var facility = await fixture.CreateFacilityAsync();
        // 200 × 100 stored pixels, red on the left and blue on the right, with EXIF saying "turn 90° clockwise to view".
        var upload = PhotoFiles.WithExif(PhotoFiles.Jpeg(200, 100), orientation: 6);
        var before = ImageMetadataReader.ReadMetadata(new MemoryStream(upload));
        Assert.NotNull(before.OfType<GpsDirectory>().Single().GetGeoLocation());
        Assert.Equal("Canon", before.OfType<ExifIfd0Directory>().Single().GetDescription(ExifDirectoryBase.TagMake));

        var photo = await UploadAsync(fixture.Admin, facility, upload, "image/jpeg", "camera.jpg");
        Assert.Equal("approved", photo.GetProperty("state").GetString());
        Assert.Equal("CC-BY-SA-4.0", photo.GetProperty("license").GetString());
        Assert.Contains("CC BY-SA 4.0", photo.GetProperty("license_notice").GetString(), StringComparison.Ordinal);

        foreach (var rendition in (string[])["thumb", "display"])
        {
            using var response = await fixture.Anonymous.GetAsync(photo.GetProperty($"{rendition}_url").GetString());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var directories = ImageMetadataReader.ReadMetadata(new MemoryStream(bytes));
            // What any JPEG has: its frame header, Huffman tables, the JFIF marker and the file type. Nothing else.
            Assert.All(directories, d => Assert.True(d is JpegDirectory or HuffmanTablesDirectory or JfifDirectory or FileTypeDirectory,
                $"{rendition} carries {d.Name}: {string.Join("; ", d.Tags.Select(t => t.ToString()))}"));
            Assert.Equal(-1, bytes.AsSpan().IndexOf("Exif\0\0"u8));
            Assert.Equal(-1, bytes.AsSpan().IndexOf("Canon"u8));

            using var decoded = SKBitmap.Decode(bytes);
            Assert.True(decoded.Height == 2 * decoded.Width, $"{rendition} is {decoded.Width} × {decoded.Height}: not turned upright");
            // Turned clockwise, the stored left (red) is now the top and the stored right (blue) the bottom.
            var top = decoded.GetPixel(decoded.Width / 2, decoded.Height / 8);
            var bottom = decoded.GetPixel(decoded.Width / 2, decoded.Height * 7 / 8);
            Assert.True(top.Red > 200 && top.Blue < 60, $"top is {top}");
            Assert.True(bottom.Blue > 200 && bottom.Red < 60, $"bottom is {bottom}");
        }
    }

    [Fact]
    public async Task A_20000_by_20000_png_is_refused_from_its_header_and_nothing_is_stored()
    {
        var facility = await fixture.CreateFacilityAsync();
        var bomb = PhotoFiles.PngHeaderOnly(20_000, 20_000);
        Assert.True(bomb.Length < 1024, $"the test file is {bomb.Length} bytes");

        using var response = await PostAsync(fixture.Admin, facility, bomb, "image/png", "bomb.png");
        var problem = await response.IsProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("20000 × 20000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from photos where facility_id = $1", facility));
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_or_not_only_an_image_is_refused_and_nothing_is_stored()
    {
        var facility = await fixture.CreateFacilityAsync();
        var png = PhotoFiles.Png(64, 48);
        var refusals = new (byte[] File, string Type, HttpStatusCode Status)[]
        {
            ("just some text, not a photo"u8.ToArray(), "image/jpeg", HttpStatusCode.UnsupportedMediaType),
            ("<html><body>hello</body></html>"u8.ToArray(), "text/html", HttpStatusCode.UnsupportedMediaType),
            (png, "image/jpeg", HttpStatusCode.UnsupportedMediaType), // declared as another type than its bytes say
            ([.. png, .. PhotoFiles.Zip()], "image/png", HttpStatusCode.UnprocessableEntity), // a zip appended after IEND
            ([.. png, .. "<html><script>alert(1)</script>"u8], "image/png", HttpStatusCode.UnprocessableEntity),
            (PhotoFiles.WithComment(PhotoFiles.Jpeg(64, 48), "<script>alert(1)</script>"), "image/jpeg", HttpStatusCode.UnprocessableEntity),
            (png[..(png.Length / 2)], "image/png", HttpStatusCode.UnprocessableEntity), // cut short
        };
        foreach (var (file, type, status) in refusals)
        {
            using var response = await PostAsync(fixture.Admin, facility, file, type, "upload");
            var problem = await response.IsProblemAsync(status);
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from photos where facility_id = $1", facility));

        // The same PNG alone is a photo.
        Assert.Equal("approved", (await UploadAsync(fixture.Admin, facility, png, "image/png", "fine.png")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_photo_over_15_MB_is_refused_in_megabytes_with_or_without_a_declared_length_and_nothing_is_stored()
    {
        var facility = await fixture.CreateFacilityAsync();
        // A JPEG's first bytes and then 15 MB and one byte more: the size is refused before anything is decoded.
        var file = new byte[15 * 1024 * 1024 + 1];
        PhotoFiles.Jpeg(64, 48).AsSpan(0, 64).CopyTo(file);

        // With Content-Length, as a browser sends a chosen file: refused before the body is read.
        using (var declared = await PostAsync(fixture.Admin, facility, file, "image/jpeg", "big.jpg"))
        {
            var problem = await declared.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal("A photo may be at most 15 MB.", problem.GetProperty("detail").GetString());
        }
        // Chunked, with no length declared, and in Chinese: refused once the bytes read pass the limit.
        var part = new UnknownLength(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/facilities/{facility}/photos")
        {
            Content = new MultipartFormDataContent { { part, "file", "big.jpg" } },
        };
        request.Headers.AcceptLanguage.ParseAdd("zh-CN");
        Assert.Null(request.Content.Headers.ContentLength);
        using (var chunked = await fixture.Admin.Client.SendAsync(request))
        {
            var problem = await chunked.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            // "File too large": the bytes read refused it, not a declared length (whose refusal is "Payload too large").
            Assert.Equal("文件过大", problem.GetProperty("title").GetString());
            Assert.Equal("照片最大 15 MB。", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from photos where facility_id = $1", facility));
    }

    [Fact]
    public async Task A_pending_photo_is_invisible_to_others_until_a_moderator_approves_it_and_a_hidden_one_disappears()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync(name: "Ada Photographer");
        var other = await fixture.RegisterAsync(50);
        var photo = await UploadAsync(author, facility, PhotoFiles.Jpeg(640, 480), "image/jpeg", "door.jpg");
        Assert.Equal("pending", photo.GetProperty("state").GetString());
        var id = photo.GetProperty("id").GetGuid();
        var thumb = photo.GetProperty("thumb_url").GetString()!;

        Assert.Empty(await ListAsync(fixture.Anonymous, facility));
        Assert.Empty(await ListAsync(other.Client, facility));
        Assert.Empty((await fixture.FacilityAsync(facility)).GetProperty("photos").EnumerateArray());
        using (var hidden = await fixture.Anonymous.GetAsync(thumb))
        {
            await hidden.IsProblemAsync(HttpStatusCode.NotFound);
        }
        using (var toOther = await other.Client.GetAsync(thumb))
        {
            await toOther.IsProblemAsync(HttpStatusCode.NotFound);
        }
        using (var report = await other.Client.PostAsJsonAsync($"/api/v1/photos/{id}/reports", new { reason = "offensive" }))
        {
            await report.IsProblemAsync(HttpStatusCode.NotFound);
        }
        // Its author sees it, uncached.
        Assert.Equal("pending", Assert.Single(await ListAsync(author.Client, facility)).GetProperty("state").GetString());
        using (var own = await author.Client.GetAsync(thumb))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.Contains("no-store", own.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        }
        using (var notModerator = await other.Client.PostAsJsonAsync($"/api/v1/photos/{id}/approve", new { }))
        {
            await notModerator.IsProblemAsync(HttpStatusCode.Forbidden);
        }

        var queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/photos?state=pending");
        Assert.Contains(queue.EnumerateArray(), p => p.GetProperty("id").GetGuid() == id);
        var approved = await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/photos/{id}/approve", new { note = "Shows the entrance" },
            HttpStatusCode.OK);
        Assert.Equal("approved", approved.GetProperty("state").GetString());

        var listed = Assert.Single(await ListAsync(fixture.Anonymous, facility));
        Assert.Equal("Ada Photographer", listed.GetProperty("attribution").GetString());
        var inAnswer = Assert.Single((await fixture.FacilityAsync(facility)).GetProperty("photos").EnumerateArray());
        Assert.Equal(id, inAnswer.GetProperty("id").GetGuid());
        Assert.Equal("Ada Photographer", inAnswer.GetProperty("attribution").GetString());
        Assert.Equal("CC-BY-SA-4.0", inAnswer.GetProperty("license").GetString());

        using var served = await fixture.Anonymous.GetAsync(thumb);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", served.Headers.CacheControl?.ToString());
        var etag = served.Headers.ETag!;
        Assert.False(etag.IsWeak);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await served.Content.ReadAsByteArrayAsync()));
        Assert.Equal($"\"{sha}\"", etag.Tag);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, thumb);
        conditional.Headers.IfNoneMatch.Add(etag);
        using (var notModified = await fixture.Anonymous.SendAsync(conditional))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        var reported = await ContributorsFixture.PostAsync(other, $"/api/v1/photos/{id}/reports", new { reason = "personal_data", comment = "A face" });
        Assert.Equal(1, reported.GetProperty("open_reports").GetInt32());
        // Reported again for the same reason: it counts once and adds nothing to what the moderators read.
        var again = await ContributorsFixture.PostAsync(other, $"/api/v1/photos/{id}/reports", new { reason = "personal_data", comment = "A face, again" });
        Assert.True(again.GetProperty("already_reported").GetBoolean());
        Assert.Equal(reported.GetProperty("id").GetInt64(), again.GetProperty("id").GetInt64());
        Assert.Equal(1, again.GetProperty("open_reports").GetInt32());
        var reportedQueue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/photos?state=reported");
        var inQueue = Assert.Single(reportedQueue.EnumerateArray(), p => p.GetProperty("id").GetGuid() == id);
        Assert.Equal(1, inQueue.GetProperty("open_reports").GetInt32());
        var said = Assert.Single(inQueue.GetProperty("reports").EnumerateArray());
        Assert.Equal("personal_data", said.GetProperty("reason").GetString());
        Assert.Equal("A face", said.GetProperty("comment").GetString());
        await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/photos/{id}/hide", new { note = "A face" }, HttpStatusCode.OK);
        Assert.Empty(await ListAsync(fixture.Anonymous, facility));
        Assert.Empty((await fixture.FacilityAsync(facility)).GetProperty("photos").EnumerateArray());
        using (var gone = await fixture.Anonymous.GetAsync(thumb))
        {
            await gone.IsProblemAsync(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task A_moderator_keeps_a_reported_photo_shown_by_approving_it_and_its_reports_are_answered()
    {
        var facility = await fixture.CreateFacilityAsync();
        var id = (await UploadAsync(fixture.Admin, facility, PhotoFiles.Jpeg(320, 240), "image/jpeg", "kiosk.jpg")).GetProperty("id").GetGuid();
        var reporter = await fixture.RegisterAsync(50);
        await ContributorsFixture.PostAsync(reporter, $"/api/v1/photos/{id}/reports", new { reason = "not_this_place" });
        var reported = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/photos?state=reported");
        Assert.Contains(reported.EnumerateArray(), p => p.GetProperty("id").GetGuid() == id);

        var kept = await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/photos/{id}/approve", new { note = "It is this kiosk" }, HttpStatusCode.OK);
        Assert.Equal("approved", kept.GetProperty("state").GetString());
        Assert.Equal(0, kept.GetProperty("open_reports").GetInt32());
        reported = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/photos?state=reported");
        Assert.DoesNotContain(reported.EnumerateArray(), p => p.GetProperty("id").GetGuid() == id);
        Assert.Equal(id, Assert.Single(await ListAsync(fixture.Anonymous, facility)).GetProperty("id").GetGuid());
    }

    private async Task<JsonElement[]> ListAsync(HttpClient client, Guid facility) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{facility}/photos")).EnumerateArray()];

    private static async Task<JsonElement> UploadAsync(Account account, Guid facility, byte[] file, string type, string name)
    {
        using var response = await PostAsync(account, facility, file, type, name);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A body whose length is not known before it is sent (a stream, as from a camera): the client sends it chunked.</summary>
    private sealed class UnknownLength(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static Task<HttpResponseMessage> PostAsync(Account account, Guid facility, byte[] file, string type, string name)
    {
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(type);
        var form = new MultipartFormDataContent { { part, "file", name } };
        return account.Client.PostAsync($"/api/v1/facilities/{facility}/photos", form);
    }
}

/// <summary>Image files made for the tests, byte by byte where SkiaSharp cannot write what they need.</summary>
internal static class PhotoFiles
{
    /// <summary>A JPEG, red on its left half and blue on its right.</summary>
    public static byte[] Jpeg(int width, int height) => Encode(width, height, SKEncodedImageFormat.Jpeg);

    public static byte[] Png(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Red);
            using var blue = new SKPaint { Color = SKColors.Blue };
            canvas.DrawRect(width / 2f, 0, width / 2f, height, blue);
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>
    /// The JPEG with an APP1 EXIF segment after SOI: IFD0 with Make "Canon", Orientation and a GPS IFD at
    /// 51.5007° N 0.1246° W (big-endian TIFF; offsets count from the TIFF header).
    /// </summary>
    public static byte[] WithExif(byte[] jpeg, ushort orientation)
    {
        var tiff = new List<byte>();
        void U16(int v) => tiff.AddRange([(byte)(v >> 8), (byte)v]);
        void U32(long v) => tiff.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        void Entry(int tag, int type, int count, long valueOrOffset, bool shortValue = false)
        {
            U16(tag);
            U16(type);
            U32(count);
            if (shortValue)
            {
                U16((int)valueOrOffset);
                U16(0);
            }
            else
            {
                U32(valueOrOffset);
            }
        }
        const int ifd0 = 8, make = ifd0 + 2 + 3 * 12 + 4, gps = make + 6, latitude = gps + 2 + 4 * 12 + 4, longitude = latitude + 24;
        tiff.AddRange("MM"u8.ToArray());
        U16(42);
        U32(ifd0);
        U16(3);
        Entry(0x010F, 2, 6, make); // Make, ASCII
        Entry(0x0112, 3, 1, orientation, shortValue: true); // Orientation, SHORT
        Entry(0x8825, 4, 1, gps); // GPS IFD pointer, LONG
        U32(0);
        tiff.AddRange("Canon\0"u8.ToArray());
        U16(4);
        Entry(0x0001, 2, 2, 'N' << 24); // GPSLatitudeRef "N\0" inline
        Entry(0x0002, 5, 3, latitude); // GPSLatitude, 3 RATIONAL
        Entry(0x0003, 2, 2, 'W' << 24); // GPSLongitudeRef "W\0" inline
        Entry(0x0004, 5, 3, longitude); // GPSLongitude, 3 RATIONAL
        U32(0);
        foreach (var (numerator, denominator) in (ReadOnlySpan<(int, int)>)[(51, 1), (30, 1), (252, 100), (0, 1), (7, 1), (2856, 100)])
        {
            U32(numerator);
            U32(denominator);
        }
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        return Segment(jpeg, 0xE1, payload);
    }

    /// <summary>The JPEG with a COM segment carrying the text.</summary>
    public static byte[] WithComment(byte[] jpeg, string comment) => Segment(jpeg, 0xFE, Encoding.ASCII.GetBytes(comment));

    private static byte[] Segment(byte[] jpeg, byte marker, byte[] payload)
    {
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)(payload.Length + 2));
        return [.. jpeg.AsSpan(0, 2), 0xFF, marker, .. length, .. payload, .. jpeg.AsSpan(2)];
    }

    /// <summary>
    /// A valid PNG structure that declares width × height RGB pixels but carries a few bytes of compressed data: small
    /// on the wire, and gigabytes once a decoder allocates what the header says.
    /// </summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var file = new List<byte>([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(file, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[4096]);
        }
        Chunk(file, "IDAT", compressed.ToArray());
        Chunk(file, "IEND", []);
        return [.. file];
    }

    /// <summary>A small zip archive with one file.</summary>
    public static byte[] Zip()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("payload.html").Open();
            entry.Write("hello"u8);
        }
        return buffer.ToArray();
    }

    private static void Chunk(List<byte> file, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        file.AddRange(length);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        file.AddRange(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        file.AddRange(crc);
    }

    // The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320 reflected).
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}
