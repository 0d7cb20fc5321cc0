"""Help articles for the demo: the ten problems people most often bring to support, in English
and Turkish. `seed_help_articles()` is idempotent (one article per slug and language)."""

import re
from dataclasses import dataclass

from django.db import transaction

from support.models import Topic

from . import services
from .models import Article, Category

CATEGORIES = [
    # slug, English, Turkish, icon
    ("account", "Account & sign-in", "Hesap ve giriş", "user"),
    ("orders", "Orders & bills", "Sipariş ve adisyon", "bag"),
    ("payments", "Payments & invoices", "Ödeme ve faturalar", "card"),
    ("menu", "Menu & QR menu", "Menü ve QR menü", "menu"),
    ("app", "App & notifications", "Uygulama ve bildirimler", "bell"),
]


@dataclass(frozen=True)
class Text:
    slug: str
    title: str
    summary: str
    keywords: str
    body: str


@dataclass(frozen=True)
class Problem:
    category: str
    topic: str
    en: Text
    tr: Text


PROBLEMS = [
    Problem(
        category="account",
        topic="account",
        en=Text(
            slug="cannot-sign-in-reset-password",
            title="Can't sign in? Reset your password",
            summary="Set a new password from the sign-in screen and fix the usual reasons a "
            "sign-in fails.",
            keywords="password, forgot password, reset password, login, log in, sign in, "
            "cannot sign in, can't log in, locked out, verification code",
            body="""\
If the app says your email or password is wrong, or you simply don't remember the password,
you can set a new one in about a minute.

## Reset your password

1. On the sign-in screen, tap **Forgot password?**
2. Enter the email address or phone number your account uses.
3. Open the message we send and tap the reset link, or type the 6-digit code.
   The link works for 30 minutes.
4. Choose a new password of at least 8 characters and sign in with it.

## Still can't get in?

- Look in the spam or junk folder if the email hasn't arrived after a few minutes.
- Check that Caps Lock is off and that there is no space after your email address.
- After five wrong attempts the account is locked for 15 minutes: wait, then try again.
- Staff accounts are created by the business owner. Ask them whether your user is active.

If none of this works, write to us in the chat with the email address you sign in with.
Never send us your password.
""",
        ),
        tr=Text(
            slug="giris-yapamiyorum-sifre-sifirlama",
            title="Giriş yapamıyorum: şifre sıfırlama",
            summary="Unuttuğunuz şifreyi giriş ekranından yenileyin, girişin başarısız olmasının "
            "sık görülen nedenlerini giderin.",
            keywords="şifre, parola, giriş, giriş yapamıyorum, oturum açma, unuttum, şifremi "
            "unuttum, sıfırla, şifre sıfırlama, hesaba giremiyorum, doğrulama kodu",
            body="""\
Uygulama e-posta adresinizin ya da şifrenizin hatalı olduğunu söylüyorsa veya şifrenizi
hatırlamıyorsanız, bir dakika içinde yenisini belirleyebilirsiniz.

## Şifrenizi sıfırlayın

1. Giriş ekranında **Şifremi unuttum** bağlantısına dokunun.
2. Hesabınızda kayıtlı e-posta adresini ya da telefon numarasını yazın.
3. Gönderdiğimiz mesajdaki bağlantıya dokunun veya 6 haneli kodu girin.
   Bağlantı 30 dakika geçerlidir.
4. En az 8 karakterli yeni bir şifre seçin ve onunla giriş yapın.

## Hâlâ giremiyor musunuz?

- E-posta birkaç dakikada gelmezse gereksiz (spam) klasörüne bakın.
- Caps Lock kapalı olsun, e-posta adresinin sonunda boşluk kalmasın.
- Beş hatalı denemeden sonra hesap 15 dakika kilitlenir: bekleyip yeniden deneyin.
- Personel hesaplarını işletme sahibi açar. Kullanıcınızın etkin olup olmadığını ona sorun.

Bunlar işe yaramazsa giriş yaptığınız e-posta adresini sohbetten bize yazın.
Şifrenizi asla bizimle paylaşmayın.
""",
        ),
    ),
    Problem(
        category="orders",
        topic="order",
        en=Text(
            slug="order-not-showing",
            title="An order isn't showing up",
            summary="Where to look for an order that hasn't appeared: the list, its filters, the "
            "connection, QR and delivery orders.",
            keywords="order, order not showing, missing order, order list, lost order, "
            "qr order, delivery order, integration",
            body="""\
Orders normally appear on the orders screen within a few seconds. When one is missing, it is
usually a filter or the connection, not a lost order.

## Check these first

1. Pull down on the orders list to refresh it.
2. Check the filters at the top: the list may show only one branch, one seating area or
   today's orders.
3. Make sure the device is online. Orders taken offline are sent as soon as the connection
   returns; a small cloud icon marks the ones still waiting.
4. Search the order history by table number or order number.

## Orders from the QR menu or a delivery platform

- When *Approve QR orders* is on, QR orders wait for approval under **Pending**.
- Platform orders arrive only while the integration is connected. Reconnect it under
  **Settings → Integrations**.

If the order is still missing, send us the table, the approximate time and a screenshot in
the chat.
""",
        ),
        tr=Text(
            slug="siparis-gorunmuyor",
            title="Siparişim görünmüyor",
            summary="Görünmeyen bir siparişi nerede arayacağınız: liste, filtreler, bağlantı, QR "
            "ve paket servis siparişleri.",
            keywords="sipariş, siparişim görünmüyor, sipariş gelmedi, sipariş listesi, kayıp "
            "sipariş, qr sipariş, paket servis, entegrasyon",
            body="""\
Siparişler normalde birkaç saniye içinde sipariş ekranına düşer. Bir sipariş görünmüyorsa
çoğu zaman kaybolmamıştır; bir filtre ya da bağlantı sorunu vardır.

## Önce bunlara bakın

1. Listeyi yenilemek için sipariş ekranını aşağı çekin.
2. Üstteki filtreleri kontrol edin: liste yalnızca bir şubeyi, bir salonu ya da bugünün
   siparişlerini gösteriyor olabilir.
3. Cihazın internete bağlı olduğundan emin olun. Çevrimdışıyken alınan siparişler bağlantı
   gelince gönderilir; bekleyenlerin yanında küçük bir bulut simgesi görünür.
4. Sipariş geçmişinde masa numarası veya sipariş numarasıyla arama yapın.

## QR menü ve paket servis siparişleri

- *QR siparişlerini onayla* açıksa QR siparişleri **Bekleyenler** sekmesinde onay bekler.
- Platform siparişleri yalnızca entegrasyon bağlıyken gelir. **Ayarlar → Entegrasyonlar**
  bölümünden yeniden bağlayın.

Sipariş hâlâ yoksa masayı, yaklaşık saati ve bir ekran görüntüsünü sohbetten bize gönderin.
""",
        ),
    ),
    Problem(
        category="payments",
        topic="payment",
        en=Text(
            slug="payment-failed",
            title="A card payment failed",
            summary="Why a card payment fails, and how to take it again without charging the "
            "customer twice.",
            keywords="payment, payment failed, payment declined, card, credit card, card "
            "terminal, pos, declined, charged, refund",
            body="""\
A failed payment is not charged. If the card terminal or the online checkout shows an error,
no money was taken, even if the customer's bank app briefly shows a pending amount: the bank
releases it within a few days.

## What to try

1. Read the error on the screen. *Declined* comes from the customer's bank; *timeout* or
   *connection error* comes from the terminal or the network.
2. For a decline, ask the customer to try another card or to call their bank.
3. For a timeout, check that the terminal is on, paired and online, then take the payment
   again.
4. Before retrying, open the bill and check whether the payment was recorded after all, so
   you never charge twice.

## When to contact us

Write to us in the chat with the bill number, the amount, the time and the exact error text.
For a charge that shows on a bank statement but not on the bill, add the last four digits of
the card.
""",
        ),
        tr=Text(
            slug="odeme-basarisiz",
            title="Ödeme başarısız oldu",
            summary="Kart ödemesi neden başarısız olur, müşteriden iki kez çekmeden ödeme nasıl "
            "yeniden alınır?",
            keywords="ödeme, ödeme başarısız, ödeme alınamadı, kart, kredi kartı, pos, pos "
            "cihazı, reddedildi, çekim, para çekildi, iade",
            body="""\
Başarısız bir ödeme karttan çekilmez. POS cihazı ya da online ödeme ekranı hata verdiyse para
alınmamıştır; müşterinin banka uygulamasında kısa süre bekleyen bir tutar görünse bile banka
onu birkaç gün içinde serbest bırakır.

## Ne yapmalı?

1. Ekrandaki hatayı okuyun. *Reddedildi* uyarısı müşterinin bankasından; *zaman aşımı* veya
   *bağlantı hatası* cihazdan ya da ağdan gelir.
2. Kart reddedildiyse müşteriden başka bir kart denemesini ya da bankasını aramasını isteyin.
3. Zaman aşımında POS cihazının açık, eşleşmiş ve internete bağlı olduğunu kontrol edip
   ödemeyi yeniden alın.
4. Yeniden denemeden önce adisyonu açıp ödemenin yine de kaydedilip kaydedilmediğine bakın;
   böylece iki kez çekim yapmazsınız.

## Bize ne zaman yazmalı?

Adisyon numarası, tutar, saat ve hata mesajının tam metniyle sohbetten bize yazın. Hesap
ekstresinde görünüp adisyona işlenmeyen bir çekim için kartın son dört hanesini de ekleyin.
""",
        ),
    ),
    Problem(
        category="orders",
        topic="order",
        en=Text(
            slug="bill-will-not-close",
            title="A bill won't close",
            summary="Find what keeps a bill open: a balance, unsent items, a split part or a "
            "failed payment.",
            keywords="bill, check, bill won't close, close bill, table still open, open table, "
            "split bill, remaining balance",
            body="""\
A bill closes only when everything on it is settled. If **Close bill** is greyed out, or the
table stays open after payment, one of these is usually the reason.

## Work through the bill

1. Compare the total paid with the bill total. A remaining balance, even a few cents of
   rounding, keeps it open: add the missing payment or a discount.
2. Look for items still marked *in preparation* or *not sent*. Send them to the kitchen or
   remove them.
3. If the bill was split, every part must be paid. Open each part to check.
4. A payment that failed on the card terminal does not count. Take it again or record it as
   cash.
5. Refresh the screen: another device may have changed the bill in the meantime.

## Still open?

Only a manager can force-close a bill, from **Bill → More → Close without payment**, and the
end-of-day report shows that it was done. If that option is missing too, send us the table
and bill number in the chat.
""",
        ),
        tr=Text(
            slug="adisyon-kapanmiyor",
            title="Adisyon kapanmıyor",
            summary="Adisyonu açık tutan nedeni bulun: kalan bakiye, gönderilmemiş ürün, "
            "bölünmüş hesap ya da başarısız ödeme.",
            keywords="adisyon, adisyon kapanmıyor, hesap kapatma, masa kapanmıyor, açık masa, "
            "hesap bölme, kalan tutar, kapat",
            body="""\
Bir adisyon ancak üzerindeki her şey ödendiğinde kapanır. **Adisyonu kapat** düğmesi soluksa
ya da ödemeden sonra masa açık kalıyorsa genellikle aşağıdaki nedenlerden biri vardır.

## Adisyonu gözden geçirin

1. Ödenen toplamı adisyon tutarıyla karşılaştırın. Kuruş farkı bile olsa kalan bakiye
   adisyonu açık tutar: eksik ödemeyi ya da bir indirim ekleyin.
2. *Hazırlanıyor* veya *gönderilmedi* durumunda ürün kalıp kalmadığına bakın. Mutfağa
   gönderin ya da silin.
3. Hesap bölündüyse her parçanın ödenmesi gerekir. Parçaları tek tek açıp kontrol edin.
4. POS cihazında başarısız olan ödeme sayılmaz. Yeniden alın ya da nakit olarak girin.
5. Ekranı yenileyin: başka bir cihaz adisyonu bu arada değiştirmiş olabilir.

## Yine de kapanmıyorsa

Adisyonu zorla yalnızca yönetici kapatabilir: **Adisyon → Diğer → Ödemesiz kapat**. Bu işlem
gün sonu raporunda görünür. Bu seçenek de yoksa masa ve adisyon numarasını sohbetten bize
yazın.
""",
        ),
    ),
    Problem(
        category="menu",
        topic="technical",
        en=Text(
            slug="cannot-add-product",
            title="I can't add a product",
            summary="Add products from the menu editor, and what to check when a product won't "
            "save or doesn't appear.",
            keywords="product, add product, new product, menu item, cannot add product, price, "
            "won't save, category",
            body="""\
New products are added in the menu editor. If **Save** does nothing, or the product doesn't
appear afterwards, check the points below.

## Adding a product

1. Go to **Menu → Products** and tap **New product**.
2. Fill in the required fields: name, price and category. A red outline marks a field that
   is missing or invalid.
3. Type the price without a currency sign, for example 85.50.
4. Choose the tax rate, then tap **Save**.

## If it still won't save

- Only the owner and manager roles can edit the menu. Ask the owner to check your role.
- Photos must be JPG or PNG and smaller than 5 MB.
- A product name can be used only once within a category.
- A product shows on the ordering screen and the QR menu only when it is marked *on sale*
  and its category is visible.

Tell us in the chat which product you were adding and what message you saw.
""",
        ),
        tr=Text(
            slug="urun-ekleyemiyorum",
            title="Ürün ekleyemiyorum",
            summary="Menü düzenleyiciden ürün ekleyin; ürün kaydedilmiyor ya da görünmüyorsa "
            "nelere bakmanız gerektiğini öğrenin.",
            keywords="ürün, ürün ekleme, ürün ekleyemiyorum, yeni ürün, menü, fiyat, "
            "kaydetmiyor, kategori",
            body="""\
Yeni ürünler menü düzenleyiciden eklenir. **Kaydet** düğmesi bir şey yapmıyorsa ya da ürün
kaydedildikten sonra görünmüyorsa aşağıdakileri kontrol edin.

## Ürün ekleme

1. **Menü → Ürünler** bölümüne girip **Yeni ürün** seçeneğine dokunun.
2. Zorunlu alanları doldurun: ad, fiyat ve kategori. Kırmızı çerçeveli alan eksik ya da
   hatalıdır.
3. Fiyatı para birimi işareti olmadan yazın, örneğin 85,50.
4. KDV oranını seçin ve **Kaydet**'e dokunun.

## Yine kaydetmiyorsa

- Menüyü yalnızca işletme sahibi ve yönetici rolleri düzenleyebilir. Rolünüzü işletme
  sahibine kontrol ettirin.
- Fotoğraf JPG ya da PNG olmalı ve 5 MB'tan küçük olmalı.
- Bir kategoride aynı ürün adı yalnızca bir kez kullanılabilir.
- Ürün, sipariş ekranında ve QR menüde yalnızca *satışta* işaretliyse ve kategorisi
  görünürse çıkar.

Hangi ürünü eklerken hangi mesajı gördüğünüzü sohbetten bize yazın.
""",
        ),
    ),
    Problem(
        category="menu",
        topic="technical",
        en=Text(
            slug="qr-menu-will-not-open",
            title="The QR menu won't open",
            summary="When guests scan the table code and nothing opens: check the menu, then "
            "the printed code.",
            keywords="qr, qr menu, qr code, menu won't open, scan, table code, digital menu",
            body="""\
When guests scan the QR code on the table and nothing opens, or they get an error page, the
cause is usually the printed code, the phone's camera or a menu that is switched off.

## Check the menu

1. In the app, open **Menu → QR menu** and make sure the menu is switched **on**.
2. Tap **Preview** to open the menu yourself. If it opens here, the menu itself is fine.
3. Make sure at least one category and one product are visible.

## Check the code on the table

- Scan the printed code with your own phone. A faded, creased or glossy print may not scan:
  print it again from **QR menu → Download codes**.
- If you changed your menu address or business name, the old codes stop working. Print new
  ones.
- Some older phones need a QR scanner app or Google Lens instead of the camera.

## Still not opening?

Tell us in the chat which table's code fails, and send a photo of it together with the error
page guests see.
""",
        ),
        tr=Text(
            slug="qr-menu-acilmiyor",
            title="QR menü açılmıyor",
            summary="Misafirler masadaki kodu okutup hiçbir şey açılmıyorsa: önce menüyü, sonra "
            "basılı kodu kontrol edin.",
            keywords="qr, qr menü, qr kod, karekod, menü açılmıyor, okutma, masa kodu, dijital "
            "menü",
            body="""\
Misafirler masadaki QR kodu okuttuğunda hiçbir şey açılmıyorsa ya da hata sayfası çıkıyorsa
sorun çoğunlukla basılı kodda, telefonun kamerasında ya da kapalı bir menüdedir.

## Menüyü kontrol edin

1. Uygulamada **Menü → QR menü** bölümünü açın ve menünün **açık** olduğundan emin olun.
2. **Önizle**'ye dokunup menüyü kendiniz açın. Burada açılıyorsa menünün kendisinde sorun
   yoktur.
3. En az bir kategorinin ve bir ürünün görünür olduğunu kontrol edin.

## Masadaki kodu kontrol edin

- Basılı kodu kendi telefonunuzla okutun. Solmuş, kırışmış ya da parlak baskılar okunmayabilir:
  **QR menü → Kodları indir** bölümünden yeniden basın.
- Menü adresinizi veya işletme adınızı değiştirdiyseniz eski kodlar çalışmaz. Yenilerini
  basın.
- Bazı eski telefonlarda kamera yerine bir QR okuyucu uygulaması ya da Google Lens gerekir.

## Hâlâ açılmıyor mu?

Hangi masanın kodunun çalışmadığını sohbetten yazın; kodun fotoğrafını ve misafirlerin
gördüğü hata sayfasını da ekleyin.
""",
        ),
    ),
    Problem(
        category="account",
        topic="account",
        en=Text(
            slug="account-details-wrong",
            title="My account details are wrong",
            summary="Correct your profile and business details, and what only our team can change.",
            keywords="account, wrong account, account details, profile, business details, tax "
            "number, change email, name, plan",
            body="""\
If your name, business name, email address, tax number or plan looks wrong, you can correct
most of it yourself.

## Change your own details

1. Open **Settings → Profile**.
2. Edit your name, phone number or language and tap **Save**.
3. To change your email address, enter the new one and confirm it with the code we send to
   it.

## Business and billing details

- The business name, address and tax details are under **Settings → Business**. Only the
  account owner can change them.
- Invoices already issued keep the details they were issued with; new invoices use the
  corrected ones.
- If you see another business's data, or your plan or balance looks wrong, sign out and
  sign in again first: the app may be showing an old session.

## What our team changes

Transferring the account to a new owner, or correcting the tax number on issued invoices, is
done by our team. Write to us in the chat from the owner's account and tell us what should be
corrected.
""",
        ),
        tr=Text(
            slug="hesap-bilgileri-yanlis",
            title="Hesap bilgilerim yanlış görünüyor",
            summary="Profil ve işletme bilgilerinizi düzeltin; yalnızca ekibimizin "
            "değiştirebildiklerini öğrenin.",
            keywords="hesap, hesabım yanlış, hesap bilgileri, profil, işletme bilgileri, vergi "
            "numarası, e-posta değiştirme, ad soyad, paket",
            body="""\
Adınız, işletme adınız, e-posta adresiniz, vergi numaranız ya da paketiniz yanlış
görünüyorsa çoğunu kendiniz düzeltebilirsiniz.

## Kendi bilgilerinizi değiştirin

1. **Ayarlar → Profil** bölümünü açın.
2. Adınızı, telefon numaranızı ya da dili düzenleyip **Kaydet**'e dokunun.
3. E-posta adresini değiştirmek için yenisini yazın ve oraya gönderdiğimiz kodla onaylayın.

## İşletme ve fatura bilgileri

- İşletme adı, adres ve vergi bilgileri **Ayarlar → İşletme** altındadır. Bunları yalnızca
  hesap sahibi değiştirebilir.
- Daha önce kesilmiş faturalar eski bilgilerle kalır; yeni faturalar düzeltilmiş bilgileri
  kullanır.
- Başka bir işletmenin verilerini görüyorsanız ya da paketiniz veya bakiyeniz yanlışsa önce
  çıkış yapıp yeniden girin: uygulama eski bir oturumu gösteriyor olabilir.

## Ekibimizin yaptıkları

Hesabın yeni bir sahibe devri ya da kesilmiş faturalardaki vergi numarasının düzeltilmesi
ekibimiz tarafından yapılır. Hesap sahibinin hesabından sohbete yazıp neyin düzeltilmesi
gerektiğini belirtin.
""",
        ),
    ),
    Problem(
        category="app",
        topic="technical",
        en=Text(
            slug="no-notifications",
            title="I'm not getting notifications",
            summary="Turn notifications back on in the app and on the phone, then send yourself "
            "a test.",
            keywords="notifications, no notifications, notification, alerts, push, sound, "
            "waiter call, silent",
            body="""\
Notifications tell you about new orders, waiter calls and payments. If they have stopped,
check the app first and then the phone's settings.

## In the app

1. Open **Settings → Notifications** and make sure the types you want are switched on.
2. Check that you are signed in on this device: notifications go only to signed-in devices.

## On the phone

- **iPhone:** Settings → Notifications → the app → Allow Notifications. Turn off Focus or
  Do Not Disturb.
- **Android:** Settings → Apps → the app → Notifications, and allow them. Under Battery, set
  the app to *Unrestricted* so that it isn't put to sleep.
- Make sure the phone is online: notifications can't arrive over a weak connection.

## Still nothing?

Sign out and sign back in, which registers the device again. Then send yourself a test from
**Settings → Notifications → Send test**. If the test doesn't arrive either, tell us the
phone model and its system version in the chat.
""",
        ),
        tr=Text(
            slug="bildirim-gelmiyor",
            title="Bildirim gelmiyor",
            summary="Bildirimleri uygulamada ve telefonda yeniden açın, sonra kendinize bir "
            "deneme bildirimi gönderin.",
            keywords="bildirim, bildirim gelmiyor, bildirimler, uyarı, anlık bildirim, ses, "
            "garson çağırma, sessiz",
            body="""\
Bildirimler yeni siparişleri, garson çağrılarını ve ödemeleri haber verir. Gelmez olduysa
önce uygulamayı, ardından telefonun ayarlarını kontrol edin.

## Uygulamada

1. **Ayarlar → Bildirimler** bölümünü açın ve istediğiniz türlerin açık olduğundan emin olun.
2. Bu cihazda oturumunuzun açık olduğunu kontrol edin: bildirimler yalnızca oturum açık
   cihazlara gider.

## Telefonda

- **iPhone:** Ayarlar → Bildirimler → uygulama → Bildirimlere İzin Ver. Odak ya da Rahatsız
  Etme modunu kapatın.
- **Android:** Ayarlar → Uygulamalar → uygulama → Bildirimler bölümünden izin verin. Pil
  ayarlarında uygulamayı *Kısıtlanmamış* yapın ki uykuya alınmasın.
- Telefonun internete bağlı olduğundan emin olun: zayıf bağlantıda bildirim ulaşmaz.

## Yine gelmiyor mu?

Çıkış yapıp yeniden giriş yapın; böylece cihaz yeniden kaydedilir. Ardından **Ayarlar →
Bildirimler → Deneme gönder** ile kendinize bir bildirim gönderin. O da gelmezse telefon
modelini ve sistem sürümünü sohbetten bize yazın.
""",
        ),
    ),
    Problem(
        category="app",
        topic="technical",
        en=Text(
            slug="app-froze-or-shows-error",
            title="The app froze or shows an error",
            summary="Steps that fix most freezes and crashes without losing data, and what to "
            "send us if it keeps happening.",
            keywords="app froze, frozen, freeze, error, crash, crashes, not responding, keeps "
            "closing, slow, stuck",
            body="""\
If the app stops responding, closes by itself or shows an error message, these steps fix most
cases without losing anything: orders and bills are saved on our servers as you work.

## Step by step

1. Wait ten seconds. A slow connection can make the screen look frozen.
2. Close the app completely (swipe it away from the recent apps) and open it again.
3. Look for an update in the App Store or Google Play and install it.
4. Restart the phone or tablet.
5. Make sure the device has free storage; at least 500 MB is recommended.

## If it keeps happening

- Take a screenshot of the error message, or write it down with the time it appeared.
- Note what you were doing: which screen, which button.
- Find the device model and the app version under **Settings → About**.

Send these to us in the chat; with a screenshot we can usually find the cause quickly. If you
took orders while offline, don't delete and reinstall the app before talking to us.
""",
        ),
        tr=Text(
            slug="uygulama-dondu-hata-veriyor",
            title="Uygulama dondu veya hata veriyor",
            summary="Donma ve çökmelerin çoğunu veri kaybetmeden çözen adımlar; sorun sürerse "
            "bize neleri göndermeniz gerektiği.",
            keywords="uygulama dondu, donma, dondu, hata, hata veriyor, kapanıyor, çöküyor, "
            "yanıt vermiyor, yavaş, takıldı",
            body="""\
Uygulama yanıt vermiyorsa, kendi kendine kapanıyorsa ya da hata mesajı gösteriyorsa aşağıdaki
adımlar çoğu durumu hiçbir şey kaybetmeden çözer: siparişler ve adisyonlar siz çalışırken
sunucularımıza kaydedilir.

## Adım adım

1. On saniye bekleyin. Yavaş bir bağlantı ekranı donmuş gibi gösterebilir.
2. Uygulamayı tamamen kapatın (son uygulamalardan kaydırarak) ve yeniden açın.
3. App Store ya da Google Play'de güncelleme olup olmadığına bakın ve yükleyin.
4. Telefonu veya tableti yeniden başlatın.
5. Cihazda boş alan olduğundan emin olun; en az 500 MB önerilir.

## Tekrar ediyorsa

- Hata mesajının ekran görüntüsünü alın ya da mesajı saatiyle birlikte not edin.
- Ne yaptığınızı yazın: hangi ekran, hangi düğme.
- Cihaz modelini ve uygulama sürümünü **Ayarlar → Hakkında** bölümünde bulun.

Bunları sohbetten bize gönderin; ekran görüntüsüyle nedeni çoğu zaman hızla buluruz.
Çevrimdışıyken sipariş aldıysanız bizimle konuşmadan uygulamayı silip yeniden yüklemeyin.
""",
        ),
    ),
    Problem(
        category="payments",
        topic="payment",
        en=Text(
            slug="invoices-reports-missing",
            title="Invoices or reports are missing",
            summary="Where missing figures and invoices hide: the date range, the branch and "
            "the bill's status.",
            keywords="invoice, invoices, report, reports, end of day, sales report, revenue, "
            "e-invoice, export, excel",
            body="""\
Reports and invoices are built from closed bills. When a figure or an invoice is missing, the
cause is usually a date, branch or status filter.

## Reports

1. Check the date range at the top. The business day ends at the closing time set under
   **Settings → Business**, so late-night sales may count for the previous day.
2. Pick the right branch, or **All branches**.
3. Only closed bills are counted: a bill still open today appears once it is closed.
4. Pull down to refresh; new figures can take a few minutes to arrive.

## Invoices

- Your subscription invoices are under **Settings → Billing → Invoices**, one per month.
- E-invoices issued to your customers are listed under **Reports → Invoices**. One that
  failed is marked in red and can be sent again.
- Download any of them as a PDF, or export a report to Excel.

If a month or an invoice is still missing, tell us in the chat which one and for which
branch.
""",
        ),
        tr=Text(
            slug="fatura-rapor-gorunmuyor",
            title="Fatura ve raporlar görünmüyor",
            summary="Eksik rakam ve faturalar nerede saklanır: tarih aralığı, şube ve adisyonun "
            "durumu.",
            keywords="fatura, faturalar, rapor, raporlar, gün sonu, ciro, satış raporu, "
            "e-fatura, e-arşiv, excel",
            body="""\
Raporlar ve faturalar kapatılmış adisyonlardan oluşur. Bir rakam ya da fatura eksikse neden
çoğunlukla bir tarih, şube veya durum filtresidir.

## Raporlar

1. Üstteki tarih aralığını kontrol edin. İş günü **Ayarlar → İşletme** altındaki kapanış
   saatinde biter; gece geç saatteki satışlar önceki güne yazılabilir.
2. Doğru şubeyi ya da **Tüm şubeler** seçeneğini seçin.
3. Yalnızca kapatılmış adisyonlar sayılır: bugün hâlâ açık olan bir adisyon kapatılınca
   görünür.
4. Ekranı aşağı çekerek yenileyin; yeni rakamların gelmesi birkaç dakika sürebilir.

## Faturalar

- Abonelik faturalarınız her ay için **Ayarlar → Ödemeler → Faturalar** altındadır.
- Müşterilerinize kestiğiniz e-faturalar **Raporlar → Faturalar** altında listelenir.
  Gönderilemeyenler kırmızıyla işaretlenir ve yeniden gönderilebilir.
- Hepsini PDF olarak indirebilir, raporları Excel'e aktarabilirsiniz.

Eksik bir ay ya da fatura hâlâ bulunmuyorsa hangisi olduğunu ve hangi şube için olduğunu
sohbetten bize yazın.
""",
        ),
    ),
]


BLOCK_START = re.compile(r"(#|[-*] |\d+\. |>|\|)")


def unwrap(markdown: str) -> str:
    """Join the lines wrapped for this file, so editors see one line per paragraph or item."""
    lines: list[str] = []
    for line in markdown.splitlines():
        continues = lines and lines[-1].strip() and line.strip()
        if continues and (line.startswith(" ") or not BLOCK_START.match(line)):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


@transaction.atomic
def seed_help_articles() -> list[Article]:
    """Load the help centre's categories and articles (safe to run again; updates in place).

    Articles are linked to the support topics with the same slugs when those exist.
    """
    return _seed(categories=CATEGORIES, problems=PROBLEMS)


@transaction.atomic
def seed_cafe_articles() -> list[Article]:
    """The demo café's own articles (faq/cafe.py), the only ones the demo publishes: another
    help set seeded into the same database earlier (seed_help) is unpublished."""
    from .cafe import CAFE_CATEGORIES, CAFE_PROBLEMS

    saved = _seed(categories=CAFE_CATEGORIES, problems=CAFE_PROBLEMS)
    Article.objects.filter(is_published=True).exclude(pk__in=[a.pk for a in saved]).filter(
        slug__in=[text.slug for problem in PROBLEMS for text in (problem.en, problem.tr)]
    ).update(is_published=False)
    return saved


def _seed(*, categories: list[tuple], problems: list[Problem]) -> list[Article]:
    by_slug = {}
    for order, (slug, name_en, name_tr, icon) in enumerate(categories):
        by_slug[slug], _created = Category.objects.update_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_tr": name_tr, "icon": icon, "order": order},
        )
    topics = {t.slug: t for t in Topic.objects.filter(slug__in={p.topic for p in problems})}
    saved = []
    for order, problem in enumerate(problems, start=1):
        for language, text in (("en", problem.en), ("tr", problem.tr)):
            existing = Article.objects.filter(language=language, slug=text.slug).first()
            saved.append(
                services.article_save(
                    article=existing,
                    category=by_slug[problem.category],
                    topic=topics.get(problem.topic),
                    language=language,
                    title=text.title,
                    slug=text.slug,
                    summary=text.summary,
                    keywords=text.keywords,
                    body_markdown=unwrap(text.body),
                    is_published=True,
                    order=order,
                )
            )
    return saved
