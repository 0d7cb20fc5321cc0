<?php
/**
 * The context-card endpoint Destek calls when an agent opens a conversation:
 * POST /wp-json/destek/v1/context with {"external_id", "widget", "conversation_id"},
 * signed with the widget's identity secret (X-Destek-Timestamp, X-Destek-Signature:
 * sha256=HMAC over "<timestamp>.<raw body>"). Answers {"cards": [...]}: the customer's account
 * and, with WooCommerce, their latest orders. Typed JSON only, never HTML.
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

final class Destek_Context {

	const NAMESPACE = 'destek/v1';
	const ROUTE     = '/context';
	/** The answer stays small: Destek shows a few recent orders, not the history. */
	const MAX_ORDERS = 5;
	const MAX_ITEMS  = 10;

	public static function register(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'register_route' ) );
	}

	public static function register_route(): void {
		register_rest_route(
			self::NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'respond' ),
				'permission_callback' => array( __CLASS__, 'check_signature' ),
			)
		);
	}

	/**
	 * Only Destek, recently: a bad signature or an old timestamp is a 401.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public static function check_signature( WP_REST_Request $request ) {
		$problem = Destek_Options::request_signature_problem(
			(string) $request->get_header( 'x_destek_timestamp' ),
			(string) $request->get_header( 'x_destek_signature' ),
			(string) $request->get_body(),
			time()
		);
		if ( '' !== $problem ) {
			return new WP_Error( 'destek_unauthorized', 'Destek signature refused: ' . $problem, array( 'status' => 401 ) );
		}
		return true;
	}

	/**
	 * The cards for the contact named in the (already verified) body.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function respond( WP_REST_Request $request ) {
		$body = json_decode( (string) $request->get_body(), true );
		if ( ! is_array( $body ) || ! isset( $body['external_id'] ) || ! is_scalar( $body['external_id'] ) ) {
			return new WP_Error( 'destek_bad_request', 'The body must be a JSON object with an external_id.', array( 'status' => 400 ) );
		}
		if ( (string) ( $body['widget'] ?? '' ) !== Destek_Options::widget_key() ) {
			return new WP_Error( 'destek_unauthorized', 'This site is set up for another widget.', array( 'status' => 401 ) );
		}
		self::use_language( (string) $request->get_header( 'accept_language' ) );
		$response = new WP_REST_Response( array( 'cards' => self::cards( (string) $body['external_id'] ) ), 200 );
		$response->header( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * Destek names the agent's console language (Accept-Language: en or tr): the cards' titles
	 * and labels follow it. WordPress switches only to a language it has installed; the
	 * plugin's own texts are loaded for it either way.
	 *
	 * @param string $accept_language The Accept-Language header.
	 */
	private static function use_language( string $accept_language ): void {
		$locales = array(
			'en' => 'en_US',
			'tr' => 'tr_TR',
		);
		$locale  = $locales[ strtolower( substr( trim( $accept_language ), 0, 2 ) ) ] ?? '';
		if ( '' === $locale || determine_locale() === $locale ) {
			return;
		}
		switch_to_locale( $locale );
		unload_textdomain( 'destek' );
		if ( 'en_US' !== $locale ) {
			load_textdomain( 'destek', dirname( DESTEK_PLUGIN_FILE ) . '/languages/destek-' . $locale . '.mo' );
		}
	}

	/**
	 * The external id is the WordPress user id (Destek_Frontend::identity); anything else is
	 * someone this site does not know, and gets no cards.
	 *
	 * @param string $external_id The contact's external id.
	 */
	public static function cards( string $external_id ): array {
		if ( ! preg_match( '/^[1-9]\d{0,19}$/', $external_id ) ) {
			return array();
		}
		$user = get_user_by( 'id', (int) $external_id );
		if ( ! $user ) {
			return array();
		}
		$cards = array( self::account_card( $user ) );
		if ( Destek_WooCommerce::is_active() && function_exists( 'wc_get_orders' ) ) {
			$orders = wc_get_orders(
				array(
					'customer_id' => $user->ID,
					'limit'       => self::MAX_ORDERS,
					'orderby'     => 'date',
					'order'       => 'DESC',
					'type'        => 'shop_order',
				)
			);
			$cards[] = self::orders_card( is_array( $orders ) ? $orders : array() );
		}
		return $cards;
	}

	/**
	 * The WordPress account, for the agent to recognise the customer.
	 *
	 * @param WP_User $user The customer.
	 */
	public static function account_card( WP_User $user ): array {
		$registered = strtotime( $user->user_registered . ' UTC' );
		return array(
			'type'   => 'fields',
			'title'  => __( 'Account', 'destek' ),
			'fields' => array(
				array(
					'label' => __( 'Name', 'destek' ),
					'value' => $user->display_name,
					'url'   => admin_url( 'user-edit.php?user_id=' . $user->ID ),
				),
				array(
					'label' => __( 'Email', 'destek' ),
					'value' => $user->user_email,
				),
				array(
					'label' => __( 'Customer since', 'destek' ),
					'value' => $registered ? wp_date( (string) get_option( 'date_format' ), $registered ) : '',
				),
			),
		);
	}

	/**
	 * WooCommerce orders as the contract's "orders" card. Uses WC_Order's public methods only
	 * (get_order_number, get_status, get_total, get_currency, get_date_created, get_items,
	 * get_view_order_url), so it works with any WooCommerce version that has them.
	 *
	 * @param array $orders WC_Order objects, newest first.
	 */
	public static function orders_card( array $orders ): array {
		$rows = array();
		foreach ( array_slice( $orders, 0, self::MAX_ORDERS ) as $order ) {
			$rows[] = self::order_row( $order );
		}
		return array(
			'type'   => 'orders',
			'title'  => __( 'Recent orders', 'destek' ),
			'orders' => $rows,
		);
	}

	/**
	 * One order.
	 *
	 * @param WC_Order $order The order.
	 */
	public static function order_row( $order ): array {
		$status  = (string) $order->get_status();
		$created = $order->get_date_created();
		$items   = array();
		foreach ( array_slice( array_values( (array) $order->get_items() ), 0, self::MAX_ITEMS ) as $item ) {
			$items[] = array(
				'name'     => (string) $item->get_name(),
				'quantity' => (int) $item->get_quantity(),
			);
		}
		return array(
			'number'   => (string) $order->get_order_number(),
			'status'   => function_exists( 'wc_get_order_status_name' ) ? (string) wc_get_order_status_name( $status ) : $status,
			'total'    => Destek_WooCommerce::amount( $order->get_total() ),
			'currency' => (string) $order->get_currency(),
			// WC_DateTime is a DateTime: its timestamp is UTC.
			'date'     => $created ? gmdate( 'Y-m-d\TH:i:s\Z', $created->getTimestamp() ) : null,
			'url'      => (string) $order->get_view_order_url(),
			'items'    => $items,
		);
	}
}
