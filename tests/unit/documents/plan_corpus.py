"""Generated Vietnamese lesson plans for the near-duplicate tests: many subjects and topics,
sentences built from varied parts (never one template filled in), plus light edits of a plan."""
from __future__ import annotations

import random

HEADINGS = ("I. Yêu cầu cần đạt", "II. Đồ dùng dạy học", "III. Các hoạt động dạy học chủ yếu",
            "1. Hoạt động mở đầu", "2. Hoạt động hình thành kiến thức mới", "3. Hoạt động luyện tập, thực hành",
            "4. Hoạt động vận dụng, trải nghiệm", "IV. Điều chỉnh sau bài dạy")
SUBJECTS: dict[str, tuple[str, ...]] = {
    "Toán": ("phân số", "hình chữ nhật", "chu vi", "diện tích", "số thập phân", "phép nhân", "phép chia có dư",
             "góc nhọn", "biểu đồ cột", "đơn vị đo khối lượng", "số la mã", "tỉ số phần trăm", "hình bình hành",
             "bảng nhân bảy", "phép cộng có nhớ", "đường thẳng song song", "số chẵn và số lẻ", "trung bình cộng"),
    "Tiếng Việt": ("danh từ riêng", "câu kể", "dấu gạch ngang", "bài thơ về mùa thu", "đoạn văn miêu tả cây",
                   "từ đồng nghĩa", "chủ ngữ và vị ngữ", "bài đọc về chú dế", "lá thư gửi bạn", "câu chuyện cổ tích",
                   "trạng ngữ chỉ thời gian", "từ láy", "biện pháp nhân hoá", "bài văn kể chuyện", "dấu ngoặc kép"),
    "Khoa học": ("vòng tuần hoàn của nước", "không khí", "ánh sáng và bóng tối", "âm thanh", "chuỗi thức ăn",
                 "sự nảy mầm của hạt", "thực vật cần gì để sống", "nấm men", "chất dinh dưỡng", "nhiệt độ",
                 "sự ô nhiễm không khí", "cơ quan tiêu hoá", "năng lượng mặt trời", "đất trồng"),
    "Lịch sử và Địa lí": ("vùng Tây Nguyên", "đồng bằng sông Hồng", "nhà Trần", "Văn Miếu Quốc Tử Giám",
                          "sông Mê Công", "cố đô Huế", "dãy Hoàng Liên Sơn", "phố cổ Hội An", "biển đảo Việt Nam",
                          "vua Lý Thái Tổ", "lễ hội cồng chiêng", "thành phố Đà Nẵng", "ruộng bậc thang"),
    "Đạo đức": ("lòng biết ơn thầy cô", "tiết kiệm tiền của", "bảo vệ của công", "trung thực trong học tập",
                "quan tâm ông bà", "giữ lời hứa", "tôn trọng bạn bè", "yêu lao động", "giữ gìn vệ sinh trường lớp"),
    "Tin học": ("bàn phím máy tính", "con chuột", "thư mục và tệp", "phần mềm soạn thảo", "an toàn trên mạng",
                "trình chiếu", "thuật toán đơn giản", "lệnh lặp trong Scratch", "tìm kiếm thông tin"),
    "Âm nhạc": ("bài hát Em yêu trường em", "nhịp hai bốn", "nốt son", "nhạc cụ gõ", "hát kết hợp vận động",
                "bài đọc nhạc số ba", "tiết tấu", "dân ca Nam Bộ"),
    "Mĩ thuật": ("màu nóng và màu lạnh", "tranh tĩnh vật", "nặn con vật", "đường nét trang trí", "tạo hình từ lá cây",
                 "tranh phong cảnh quê hương", "in hoa văn", "chân dung bạn thân"),
    "Giáo dục thể chất": ("đội hình hàng dọc", "bật xa tại chỗ", "tung bắt bóng", "đá cầu", "chạy tiếp sức",
                          "động tác vươn thở", "nhảy dây", "trò chơi kéo co"),
    "Công nghệ": ("hoa và cây cảnh", "đồ chơi dân gian", "lắp ghép mô hình xe", "trồng rau trong chậu",
                  "dụng cụ làm vườn", "an toàn với điện"),
    "Hoạt động trải nghiệm": ("ngày hội đọc sách", "an toàn giao thông", "chăm sóc bồn hoa", "kĩ năng tự phục vụ",
                              "phòng chống đuối nước", "em yêu quê hương", "ứng xử lịch sự nơi công cộng"),
}
ACTORS = ("Giáo viên", "Cô giáo", "Thầy giáo", "Học sinh", "Các nhóm", "Cả lớp", "Từng cặp học sinh", "Nhóm trưởng",
          "Một số em", "Lớp trưởng", "Học sinh khá giỏi", "Các tổ", "Mỗi em", "Bạn được gọi")
VERBS = ("quan sát", "thảo luận về", "trình bày", "so sánh", "ghi lại", "tìm hiểu", "nêu ví dụ về", "giải thích",
         "vẽ sơ đồ về", "đọc to", "viết đoạn ngắn về", "đặt câu hỏi về", "liên hệ thực tế với", "sắp xếp", "đánh giá",
         "thực hành", "kể lại", "phân loại", "tổng hợp", "chia sẻ cảm nhận về", "nhắc lại", "minh hoạ",
         "đóng vai để thể hiện", "tra cứu", "kiểm tra chéo", "điền vào bảng", "nhận xét", "tóm tắt")
MANNERS = ("trong khoảng {n} phút", "theo nhóm {n} bạn", "trên phiếu học tập số {n}", "bằng bảng con",
           "dựa vào tranh ở trang {n}", "qua trò chơi {game}", "với sự hỗ trợ của giáo viên", "rồi báo cáo trước lớp",
           "một cách tự tin", "và nhận xét lẫn nhau", "bằng lời của mình", "trên màn hình máy chiếu",
           "ở góc học tập", "ngoài sân trường", "sau khi nghe hướng dẫn", "theo gợi ý {n}", "bằng sơ đồ tư duy",
           "với các thẻ chữ màu", "vào vở ô li", "cùng cha mẹ ở nhà")
GAMES = ("Ai nhanh ai đúng", "Rung chuông vàng", "Truyền điện", "Ô chữ bí mật", "Hái hoa dân chủ", "Tiếp sức",
         "Đoán ý đồng đội", "Vòng quay may mắn", "Mảnh ghép", "Bức tranh bí ẩn")
OPENERS = ("Sau đó,", "Tiếp theo,", "Cuối cùng,", "Trước hết,", "Đồng thời,", "Ngoài ra,", "Khi đã xong,",
           "Nếu còn thời gian,", "Để củng cố,", "Ở bước này,", "", "", "")
AIMS = ("Học sinh nhận biết được {o}.", "Học sinh vận dụng được {o} vào tình huống thực tế.",
        "Phát triển năng lực tự chủ và hợp tác khi học về {o}.", "Biết chia sẻ hiểu biết về {o} với bạn bè.",
        "Hình thành phẩm chất chăm chỉ qua việc tìm hiểu {o}.", "Nêu được đặc điểm chính của {o}.",
        "Giải quyết được vấn đề đơn giản liên quan đến {o}.")
MATERIALS = ("tranh ảnh minh hoạ", "phiếu học tập", "máy chiếu", "bảng phụ", "thẻ từ", "vật thật", "video ngắn",
             "sách giáo khoa", "bộ đồ dùng học toán", "loa nhỏ", "giấy A0", "bút màu", "mô hình", "bản đồ")


def _sentence(rng: random.Random, objects: tuple[str, ...]) -> str:
    manner = rng.choice(MANNERS).format(n=rng.randint(2, 9), game=rng.choice(GAMES))
    opener = rng.choice(OPENERS)
    sentence = f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(objects)} {manner}."
    return f"{opener} {sentence[0].lower()}{sentence[1:]}" if opener else sentence


def lesson_plan(seed: int, *, paragraphs: int = 7) -> str:
    """One plan: a subject and lesson chosen by ``seed``, the template's headings, varied content."""
    rng = random.Random(seed)
    subject = rng.choice(sorted(SUBJECTS))
    objects = SUBJECTS[subject]
    lesson = rng.choice(objects)
    grade = rng.randint(1, 5)
    lines = [f"KẾ HOẠCH BÀI DẠY – Môn {subject}, lớp {grade}", f"Bài {rng.randint(1, 70)}: {lesson[0].upper()}{lesson[1:]}",
             HEADINGS[0], " ".join(rng.choice(AIMS).format(o=rng.choice(objects)) for _ in range(3)),
             HEADINGS[1], "Giáo viên chuẩn bị " + ", ".join(rng.sample(MATERIALS, 3)) + "; học sinh mang "
             + ", ".join(rng.sample(MATERIALS, 2)) + ".", HEADINGS[2]]
    for ix in range(paragraphs):
        if ix < 4:
            lines.append(HEADINGS[3 + ix])
        lines.append(" ".join(_sentence(rng, objects) for _ in range(rng.randint(4, 6))))
    lines += [HEADINGS[7], "Ghi chú của giáo viên về thời lượng và mức độ tham gia của học sinh."]
    return "\n".join(lines)


def lightly_edited(text: str, seed: int, *, changes: int = 4) -> str:
    """A copy with a few words changed and two content paragraphs swapped (what a copier does)."""
    rng = random.Random(seed)
    lines = text.split("\n")
    body = [ix for ix, line in enumerate(lines) if len(line.split()) > 25]
    a, b = rng.sample(body, 2)
    lines[a], lines[b] = lines[b], lines[a]
    words = "\n".join(lines).split(" ")
    for ix in rng.sample(range(len(words)), changes):
        words[ix] = rng.choice(("các em", "nhanh chóng", "tích cực", "cụ thể"))
    return " ".join(words)


# ----- real files of a plan's text ----------------------------------------------------------------
import io  # noqa: E402
import textwrap  # noqa: E402
import zipfile  # noqa: E402
from xml.sax.saxutils import escape  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_pdf(text: str) -> bytes:
    """A PDF whose text layer is ``text`` (DejaVu Sans embedded, so Vietnamese letters extract as written)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    lines = [line for paragraph in text.split("\n") for line in (textwrap.wrap(paragraph, 95) or [""])]
    for page_ix, start in enumerate(range(0, len(lines), 60)):
        writer.insert_page(generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
            generic.pdf_name("/Resources"): generic.DictionaryObject(),
            generic.pdf_name("/Contents"): writer.add_object(generic.StreamObject(stream_data=b""))}))
        box = TextBox(TextBoxStyle(font=GlyphAccumulatorFactory(FONT), font_size=9, leading=12), writer=writer,
                      box=BoxConstraints(width=540, height=800))
        box.content = "\n".join(lines[start:start + 60])
        box.add_to_page(writer, page_ix)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_docx(text: str) -> bytes:
    """A minimal DOCX with one paragraph per line of ``text``, each split over two runs as Word does."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line[:len(line) // 2])}</w:t></w:r>'
        f'<w:r><w:rPr><w:b/></w:rPr><w:t>{escape(line[len(line) // 2:])}</w:t></w:r></w:p>'
        for line in text.split("\n"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                   f"{paragraphs}</w:body></w:document>")
    return out.getvalue()
