"""The demo café's own help articles (the shop at /demo/ sells breakfast, coffee and desserts
for pick-up and delivery): what its customers ask, in English and Turkish. Seeded by
`faq.seed.seed_cafe_articles()` (`manage.py seed_demo`)."""

from .seed import Problem, Text

CAFE_CATEGORIES = [
    # slug, English, Turkish, icon
    ("cafe-menu", "Menu & allergens", "Menü ve alerjenler", "menu"),
    ("cafe-orders", "Orders & delivery", "Sipariş ve teslimat", "bag"),
    ("cafe-paying", "Paying & refunds", "Ödeme ve iade", "card"),
    ("cafe-loyalty", "Account & loyalty card", "Hesap ve sadakat kartı", "user"),
]

CAFE_PROBLEMS = [
    Problem(
        category="cafe-menu",
        topic="menu",
        en=Text(
            slug="allergens-and-gluten-free",
            title="Allergens and gluten-free choices",
            summary="Which of our pastries and dishes are gluten-free, vegan or nut-free, and "
            "how to tell us about an allergy.",
            keywords="allergen, allergy, gluten, gluten-free, celiac, coeliac, croissant, vegan, "
            "nuts, lactose, dairy, ingredients",
            body="""\
Every item on the menu lists its allergens under **Ingredients**. The short version:

- **Gluten-free:** the almond cake, menemen without bread, and the fruit bowl.
  Our croissants and simit are made with wheat flour and are **not** gluten-free.
- **Vegan:** the fruit bowl, the olive-oil börek and every drink with oat milk.
- **Nuts:** the almond cake, baklava and pistachio éclair contain nuts.

## Tell us about an allergy

1. Add the item to your cart.
2. Write the allergy in **Notes for the kitchen** before you pay.
3. For a severe allergy, ask us in the chat first: our kitchen bakes with flour and nuts
   every day, so we can never promise a trace-free dish.
""",
        ),
        tr=Text(
            slug="alerjenler-ve-glutensiz",
            title="Alerjenler ve glutensiz seçenekler",
            summary="Hangi hamur işi ve yemeklerimiz glutensiz, vegan ya da fındıksız; bir "
            "alerjiyi bize nasıl bildirirsiniz.",
            keywords="alerjen, alerji, gluten, glutensiz, çölyak, kruvasan, vegan, fındık, "
            "fıstık, laktoz, süt, içindekiler",
            body="""\
Menüdeki her ürünün alerjenleri **İçindekiler** bölümünde yazar. Kısaca:

- **Glutensiz:** bademli kek, ekmeksiz menemen ve meyve kasesi.
  Kruvasan ve simitlerimiz buğday unuyla yapılır, glutensiz **değildir**.
- **Vegan:** meyve kasesi, zeytinyağlı börek ve yulaf sütlü tüm içecekler.
- **Kuruyemiş:** bademli kek, baklava ve fıstıklı ekler kuruyemiş içerir.

## Alerjinizi bize bildirin

1. Ürünü sepetinize ekleyin.
2. Ödemeden önce alerjinizi **Mutfak için not** alanına yazın.
3. Ciddi bir alerjiniz varsa önce sohbetten bize sorun: mutfağımızda her gün un ve
   kuruyemiş kullanılıyor, bu yüzden hiçbir üründe iz bulunmayacağını garanti edemeyiz.
""",
        ),
    ),
    Problem(
        category="cafe-orders",
        topic="order",
        en=Text(
            slug="where-is-my-delivery",
            title="Where is my delivery?",
            summary="How long delivery takes, how to follow your order, and what to do when it "
            "is late.",
            keywords="delivery, late, where is my order, tracking, courier, how long, "
            "not arrived, waiting, pick-up, ready",
            body="""\
We deliver within 3 km of the café. Most orders arrive in **30 to 40 minutes**; on weekend
mornings allow up to an hour.

## Follow your order

1. Open the confirmation email or **My orders** on our site.
2. The status shows *Baking*, *On the way* (with the courier's name) or *Delivered*.
3. Pick-up orders say *Ready* when they wait for you at the counter.

## It's late

- If it is more than 15 minutes past the time we gave you, write to us in the chat with
  your order number. We call the courier and tell you where it is.
- If it never arrives, we refund it in full or send it again, as you prefer.
""",
        ),
        tr=Text(
            slug="siparisim-nerede",
            title="Siparişim nerede?",
            summary="Teslimat ne kadar sürer, siparişinizi nasıl takip edersiniz, geciktiğinde "
            "ne yapmalısınız.",
            keywords="teslimat, gecikti, siparişim nerede, takip, kurye, ne kadar sürer, "
            "gelmedi, bekliyorum, gel al, hazır",
            body="""\
Kafemize 3 km uzaklığa kadar teslimat yapıyoruz. Siparişlerin çoğu **30-40 dakikada**
ulaşır; hafta sonu sabahları bir saate kadar sürebilir.

## Siparişinizi takip edin

1. Onay e-postasını ya da sitemizdeki **Siparişlerim** sayfasını açın.
2. Durum *Fırında*, *Yolda* (kuryenin adıyla) ya da *Teslim edildi* olarak görünür.
3. Gel-al siparişleri tezgâhta sizi beklerken *Hazır* olarak görünür.

## Gecikti

- Verdiğimiz saatten 15 dakikadan fazla geçtiyse sipariş numaranızla sohbetten bize
  yazın. Kuryeyi arar, siparişin nerede olduğunu size söyleriz.
- Hiç gelmezse tutarın tamamını iade eder ya da siparişi yeniden göndeririz; siz seçin.
""",
        ),
    ),
    Problem(
        category="cafe-orders",
        topic="order",
        en=Text(
            slug="change-or-cancel-an-order",
            title="Change or cancel an order",
            summary="Until the kitchen starts baking you can change or cancel an order "
            "yourself; after that, ask us.",
            keywords="cancel, cancel order, change order, edit, wrong address, add item, "
            "remove item, mistake",
            body="""\
You can change or cancel an order yourself while its status is *Received*, usually for the
first five minutes.

## Change or cancel it yourself

1. Open **My orders** and choose the order.
2. Tap **Change** to edit the items, the address or the delivery time, or **Cancel order**.
3. A cancelled card payment is released by your bank within 1 to 3 working days.

## The kitchen already started

- Write to us in the chat: we can usually still change the address or add an item.
- Baked items can't be cancelled, but we can hold a pick-up order for you until closing.
""",
        ),
        tr=Text(
            slug="siparisi-degistirme-iptal",
            title="Siparişi değiştirme ya da iptal etme",
            summary="Mutfak hazırlamaya başlayana kadar siparişi kendiniz değiştirebilir ya da "
            "iptal edebilirsiniz; sonrası için bize yazın.",
            keywords="iptal, sipariş iptali, siparişi değiştir, düzenle, yanlış adres, ürün "
            "ekle, ürün çıkar, hata",
            body="""\
Durumu *Alındı* olduğu sürece, genellikle ilk beş dakika, siparişinizi kendiniz
değiştirebilir ya da iptal edebilirsiniz.

## Kendiniz değiştirin ya da iptal edin

1. **Siparişlerim** sayfasını açıp siparişi seçin.
2. Ürünleri, adresi ya da teslimat saatini düzenlemek için **Değiştir**'e, iptal için
   **Siparişi iptal et**'e dokunun.
3. İptal edilen kart ödemesini bankanız 1-3 iş günü içinde serbest bırakır.

## Mutfak hazırlamaya başladı

- Sohbetten bize yazın: adresi değiştirmek ya da ürün eklemek çoğu zaman hâlâ mümkün.
- Fırından çıkan ürünler iptal edilemez ama gel-al siparişinizi kapanışa kadar saklarız.
""",
        ),
    ),
    Problem(
        category="cafe-paying",
        topic="payment",
        en=Text(
            slug="refund-for-a-missing-or-wrong-item",
            title="Refund for a missing or wrong item",
            summary="Something was missing, wrong or not right: how we refund it and how long "
            "the money takes.",
            keywords="refund, money back, missing item, wrong item, cold, damaged, complaint, "
            "charged twice, receipt, invoice",
            body="""\
We're sorry when an order isn't right. We refund missing, wrong or damaged items in full.

## Ask for a refund

1. Write to us in the chat within 24 hours, with your order number.
2. Tell us which item was missing or wrong; a photo helps if something arrived damaged.
3. We confirm the refund in the chat and by email.

## When the money arrives

- Card payments: 3 to 5 working days, back to the same card.
- Cash on delivery: as a credit on your account, for your next order.
- Charged twice? The second charge is usually a hold that your bank releases by itself
  within 3 days. If it stays, send us the receipt.
""",
        ),
        tr=Text(
            slug="eksik-yanlis-urun-iadesi",
            title="Eksik ya da yanlış ürün için iade",
            summary="Bir ürün eksik, yanlış ya da kusurlu geldiyse nasıl iade ederiz, para ne "
            "zaman hesabınıza geçer.",
            keywords="iade, para iadesi, eksik ürün, yanlış ürün, soğuk, hasarlı, şikâyet, iki "
            "kez çekildi, fiş, fatura",
            body="""\
Siparişiniz eksiksiz gelmediyse üzgünüz. Eksik, yanlış ya da hasarlı ürünlerin tutarını
tamamen iade ederiz.

## İade isteyin

1. 24 saat içinde sipariş numaranızla sohbetten bize yazın.
2. Hangi ürünün eksik ya da yanlış olduğunu söyleyin; hasar varsa bir fotoğraf işimizi
   kolaylaştırır.
3. İadeyi sohbette ve e-postayla onaylarız.

## Para ne zaman gelir

- Kartla ödemeler: 3-5 iş günü içinde aynı karta.
- Kapıda nakit ödeme: bir sonraki siparişiniz için hesabınıza bakiye olarak.
- İki kez mi çekildi? İkinci çekim genellikle bankanızın 3 gün içinde kendiliğinden
  kaldırdığı bir provizyondur. Kalkmazsa fişi bize gönderin.
""",
        ),
    ),
    Problem(
        category="cafe-loyalty",
        topic="account",
        en=Text(
            slug="loyalty-card-every-tenth-coffee",
            title="Loyalty card: every tenth coffee is on us",
            summary="How stamps are collected, where to see them and how to use a free coffee.",
            keywords="loyalty, stamps, free coffee, points, card, reward, account, sign in, "
            "missing stamp",
            body="""\
Every coffee you buy, in the café or online, earns a stamp. Ten stamps make the next coffee
free, any size.

## See and use your stamps

1. Sign in on our site or show the QR code in **My account** at the counter.
2. Your stamps appear under **Loyalty card**.
3. With ten stamps, choose **Use my free coffee** at checkout, or tell the barista.

## A stamp is missing

- Online orders get their stamp when the order is delivered or picked up.
- In the café, show your QR code before you pay: stamps can't be added afterwards
  without the receipt. Send us the receipt in the chat and we add it.
""",
        ),
        tr=Text(
            slug="sadakat-karti-onuncu-kahve",
            title="Sadakat kartı: her onuncu kahve bizden",
            summary="Damgalar nasıl toplanır, nerede görülür, bedava kahve nasıl kullanılır.",
            keywords="sadakat, damga, bedava kahve, puan, kart, ödül, hesap, giriş, eksik damga",
            body="""\
Kafede ya da internetten aldığınız her kahve bir damga kazandırır. On damga, boyu ne
olursa olsun bir sonraki kahveyi bedava yapar.

## Damgalarınızı görün ve kullanın

1. Sitemizde giriş yapın ya da tezgâhta **Hesabım**'daki QR kodu gösterin.
2. Damgalarınız **Sadakat kartı** altında görünür.
3. On damganız olunca ödemede **Bedava kahvemi kullan**'ı seçin ya da baristaya söyleyin.

## Bir damga eksik

- İnternet siparişleri damgasını teslim edildiğinde ya da alındığında kazanır.
- Kafede ödemeden önce QR kodunuzu gösterin: sonradan damga ancak fişle eklenebilir.
  Fişi sohbetten bize gönderin, damgayı ekleyelim.
""",
        ),
    ),
]
