<?php
/**
 * WooCommerce events for proactive messages: an item added to the cart, the checkout page and
 * a placed order, each sent once with Destek.track (docs/platforms.md lists the names).
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

final class Destek_WooCommerce {

	const SESSION_KEY = 'destek_events';
	const TRACKED_META = '_destek_tracked';

	public static function register(): void {
		if ( ! self::is_active() ) {
			return;
		}
		add_action( 'woocommerce_add_to_cart', array( __CLASS__, 'added_to_cart' ), 10, 4 );
		add_action( 'woocommerce_thankyou', array( __CLASS__, 'order_placed' ) );
		add_action( 'wp', array( __CLASS__, 'page_events' ) );
	}

	public static function is_active(): bool {
		return class_exists( 'WooCommerce' ) && function_exists( 'WC' );
	}

	/**
	 * The item is often added by an AJAX or Store API request, which renders no page: the event
	 * waits in the customer's WooCommerce session for the next page they see.
	 *
	 * @param string $cart_item_key The cart item's key.
	 * @param int    $product_id    The product.
	 * @param int    $quantity      How many were added.
	 * @param int    $variation_id  The variation, 0 for a simple product.
	 */
	public static function added_to_cart( $cart_item_key, $product_id, $quantity, $variation_id = 0 ): void {
		$session = WC()->session;
		if ( ! $session ) {
			return;
		}
		$product = wc_get_product( $variation_id ? $variation_id : $product_id );
		$events  = (array) $session->get( self::SESSION_KEY, array() );
		// A few at most: a page needs only the latest adds.
		$events[] = array(
			'cart_item_added',
			array(
				'product'  => $product ? $product->get_name() : (string) $product_id,
				'quantity' => (int) $quantity,
			),
		);
		$session->set( self::SESSION_KEY, array_slice( $events, -5 ) );
	}

	/**
	 * Events waiting in the session, and the checkout page's own.
	 */
	public static function page_events(): void {
		if ( is_admin() || wp_doing_ajax() ) {
			return;
		}
		$session = WC()->session;
		if ( $session ) {
			foreach ( (array) $session->get( self::SESSION_KEY, array() ) as $event ) {
				Destek_Frontend::track( (string) $event[0], (array) $event[1] );
			}
			$session->set( self::SESSION_KEY, null );
		}
		if ( is_checkout() && ! is_order_received_page() && WC()->cart ) {
			Destek_Frontend::track(
				'checkout_started',
				array(
					'items'    => (int) WC()->cart->get_cart_contents_count(),
					'total'    => self::amount( WC()->cart->get_total( 'edit' ) ),
					'currency' => get_woocommerce_currency(),
				)
			);
		}
	}

	/**
	 * Once per order: the thank-you page may be reloaded.
	 *
	 * @param int $order_id The order just placed.
	 */
	public static function order_placed( $order_id ): void {
		$order = $order_id ? wc_get_order( $order_id ) : false;
		if ( ! $order || $order->get_meta( self::TRACKED_META ) ) {
			return;
		}
		$order->update_meta_data( self::TRACKED_META, '1' );
		$order->save();
		Destek_Frontend::track(
			'order_placed',
			array(
				'number'   => (string) $order->get_order_number(),
				'total'    => self::amount( $order->get_total() ),
				'currency' => $order->get_currency(),
			)
		);
	}

	/**
	 * A money amount as a string with two decimals, e.g. "12.50" (the context cards' format).
	 *
	 * @param mixed $amount A number or numeric string.
	 */
	public static function amount( $amount ): string {
		return number_format( (float) $amount, 2, '.', '' );
	}
}
