<?php
/**
 * A stand-in for WooCommerce, which Debian does not package: only what the Destek plugin calls,
 * with WooCommerce's own names and return shapes (WC(), wc_get_orders, wc_get_order,
 * wc_get_product, WC_Order's getters, WC_DateTime, the session and cart objects). Loaded after
 * WordPress by the tests in tests/integrations/test_wordpress_plugin.py.
 */

class WooCommerce {
	public $session;
	public $cart;
}

class WC_DateTime extends DateTime {}

class Fake_WC_Session {
	public array $data = array();
	public function get( $key, $default = null ) {
		return $this->data[ $key ] ?? $default;
	}
	public function set( $key, $value ) {
		$this->data[ $key ] = $value;
	}
}

class Fake_WC_Cart {
	public function get_cart_contents_count() {
		return 3;
	}
	public function get_total( $context = 'view' ) {
		return 'edit' === $context ? '149.9' : '<span>149,90 ₺</span>';
	}
}

class Fake_WC_Order_Item_Product {
	public function __construct( private string $name, private int $quantity ) {}
	public function get_name() {
		return $this->name;
	}
	public function get_quantity() {
		return $this->quantity;
	}
}

class Fake_WC_Order {
	public array $meta  = array();
	public int $saves   = 0;
	public function __construct( public int $id, private string $number, private string $status, private string $total, private ?WC_DateTime $created, private array $items ) {}
	public function get_id() {
		return $this->id;
	}
	public function get_order_number() {
		return $this->number;
	}
	public function get_status() {
		return $this->status;
	}
	public function get_total() {
		return $this->total;
	}
	public function get_currency() {
		return 'TRY';
	}
	public function get_date_created() {
		return $this->created;
	}
	public function get_items( $types = 'line_item' ) {
		// WooCommerce keys items by their item id.
		$keyed = array();
		foreach ( $this->items as $index => $item ) {
			$keyed[ 100 + $index ] = $item;
		}
		return $keyed;
	}
	public function get_view_order_url() {
		return home_url( '/my-account/view-order/' . $this->id . '/' );
	}
	public function get_meta( $key ) {
		return $this->meta[ $key ] ?? '';
	}
	public function update_meta_data( $key, $value ) {
		$this->meta[ $key ] = $value;
	}
	public function save() {
		++$this->saves;
		return $this->id;
	}
}

$GLOBALS['fake_wc']        = new WooCommerce();
$GLOBALS['fake_wc']->session = new Fake_WC_Session();
$GLOBALS['fake_wc']->cart    = new Fake_WC_Cart();
$GLOBALS['fake_wc_queries']  = array();
$GLOBALS['fake_wc_orders']   = array(
	new Fake_WC_Order(
		71,
		'1071',
		'processing',
		'12.5',
		new WC_DateTime( '2026-12-01T12:00:00+03:00' ),
		array( new Fake_WC_Order_Item_Product( 'Latte', 2 ), new Fake_WC_Order_Item_Product( 'Simit', 1 ) )
	),
	new Fake_WC_Order( 70, '1070', 'completed', '240', new WC_DateTime( '2026-11-20T09:30:00Z' ), array() ),
);

function WC() {
	return $GLOBALS['fake_wc'];
}

function wc_get_orders( $args ) {
	$GLOBALS['fake_wc_queries'][] = $args;
	return $GLOBALS['fake_wc_orders'];
}

function wc_get_order( $id ) {
	foreach ( $GLOBALS['fake_wc_orders'] as $order ) {
		if ( $order->get_id() === (int) $id ) {
			return $order;
		}
	}
	return false;
}

function wc_get_order_status_name( $status ) {
	$names = array( 'processing' => 'Processing', 'completed' => 'Completed' );
	return $names[ $status ] ?? $status;
}

function wc_get_product( $id ) {
	return new Fake_WC_Order_Item_Product( 'Product ' . $id, 1 );
}

function get_woocommerce_currency() {
	return 'TRY';
}

$GLOBALS['fake_wc_page'] = 'other';
function is_checkout() {
	return in_array( $GLOBALS['fake_wc_page'], array( 'checkout', 'order-received' ), true );
}
function is_order_received_page() {
	return 'order-received' === $GLOBALS['fake_wc_page'];
}
