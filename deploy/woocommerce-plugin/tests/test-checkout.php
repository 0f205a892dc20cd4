<?php
/**
 * The WhatsApp number and consent boxes at WooCommerce's classic and block checkouts.
 *
 * @package Balas_WhatsApp
 */

const ORDER_UPDATES_WORDING = 'Send me updates about my order on WhatsApp.';
const PROMOTIONS_WORDING    = 'Send me promotions and offers on WhatsApp. I can reply STOP at any time.';

function checkout(): Balas_WhatsApp_Checkout {
	return new Balas_WhatsApp_Checkout( new Balas_WhatsApp_Consent_Report( new Balas_WhatsApp_Options() ) );
}

/** A new order that wc_get_order finds. */
function new_order( int $id = 1207, string $number = '' ): WC_Order {
	WP_Stub::$orders[ $id ] = new WC_Order( $id, $number );
	return WP_Stub::$orders[ $id ];
}

/** The classic checkout's posted data, as WooCommerce hands it to the hooks. */
function classic_post( array $changes = array() ): array {
	return array_merge(
		array(
			'billing_first_name'           => 'Budi',
			'billing_phone'                => '021 555 0101',
			'balas_whatsapp_number'        => '0812-3456-7001',
			'balas_whatsapp_order_updates' => 1,
			'balas_whatsapp_promotions'    => 0,
		),
		$changes
	);
}

function classic_problems( array $data ): array {
	$errors = new WP_Error();
	checkout()->validate_classic( $data, $errors );
	return $errors->get_error_messages();
}

function test_the_classic_checkout_shows_the_number_then_a_box_per_purpose_after_the_phone() {
	$fields = checkout()->add_classic_fields( array( 'billing' => array( 'billing_phone' => array( 'priority' => 100 ) ), 'order' => array() ) );

	assert_same( array( 'billing_phone', 'balas_whatsapp_number', 'balas_whatsapp_order_updates', 'balas_whatsapp_promotions' ), array_keys( $fields['billing'] ) );
	assert_same( 'tel', $fields['billing']['balas_whatsapp_number']['type'] );
	assert_same( false, $fields['billing']['balas_whatsapp_number']['required'] );
	assert_same( array( 105, 106, 107 ), array( $fields['billing']['balas_whatsapp_number']['priority'], $fields['billing']['balas_whatsapp_order_updates']['priority'], $fields['billing']['balas_whatsapp_promotions']['priority'] ) );
	assert_same( 'checkbox', $fields['billing']['balas_whatsapp_promotions']['type'] );
	assert_same( ORDER_UPDATES_WORDING, $fields['billing']['balas_whatsapp_order_updates']['label'] );
	assert_same( PROMOTIONS_WORDING, $fields['billing']['balas_whatsapp_promotions']['label'] );
	assert_same( false, $fields['billing']['balas_whatsapp_promotions']['required'], 'consent is never a condition of buying' );
}

function test_a_ticked_box_and_a_number_keep_the_consent_with_its_wording_on_the_order() {
	$order = new_order();

	checkout()->save_classic( 1207, classic_post( array( 'balas_whatsapp_promotions' => 1 ) ) );

	assert_same( '0812-3456-7001', $order->meta['_balas_whatsapp_number'] );
	assert_same(
		array(
			'order_updates' => ORDER_UPDATES_WORDING,
			'promotions'    => PROMOTIONS_WORDING,
		),
		$order->meta['_balas_whatsapp_consent']['purposes']
	);
	assert_same( 1, preg_match( '/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/', $order->meta['_balas_whatsapp_consent']['at'] ), 'when, in UTC' );
	assert_same( 1, $order->saves );
}

function test_no_ticked_box_keeps_nothing_not_even_the_number() {
	$order = new_order();

	checkout()->save_classic( 1207, classic_post( array( 'balas_whatsapp_order_updates' => 0 ) ) );

	assert_same( array(), $order->meta );
	assert_same( 0, $order->saves );
}

function test_the_classic_checkout_accepts_a_number_with_a_box_or_nothing_at_all() {
	assert_same( array(), classic_problems( classic_post() ) );
	assert_same( array(), classic_problems( classic_post( array( 'balas_whatsapp_number' => '+62 812 3456 7001' ) ) ) );
	assert_same( array(), classic_problems( classic_post( array( 'balas_whatsapp_number' => '', 'balas_whatsapp_order_updates' => 0 ) ) ) );
}

function test_a_ticked_box_without_a_number_stops_the_classic_checkout() {
	$problems = classic_problems( classic_post( array( 'balas_whatsapp_number' => '' ) ) );

	assert_same( array( 'Enter your WhatsApp number to receive messages there.' ), $problems );
}

function test_a_number_that_is_not_one_stops_the_classic_checkout() {
	foreach ( array( '0812', 'call me maybe', '+62 812 3456 7001 9999', '0812<script>' ) as $number ) {
		$problems = classic_problems( classic_post( array( 'balas_whatsapp_number' => $number ) ) );

		assert_same( 1, count( $problems ), $number );
		assert_contains( 'The WhatsApp number is not valid', $problems[0], $number );
	}
}

function test_the_classic_order_is_reported_once_placed_when_balas_is_configured() {
	save_settings();
	new_order();
	checkout()->save_classic( 1207, classic_post() );

	checkout()->placed( 1207 );

	assert_same( array( array( 'hook' => 'balas_whatsapp_report_consent', 'args' => array( 1207, 1 ) ) ), cron_events() );
	assert_same( array(), WP_Stub::$http_calls, 'the customer never waits for Balas' );
}

function test_an_order_without_consent_or_a_site_without_balas_schedules_nothing() {
	save_settings();
	new_order( 1 );
	checkout()->placed( 1 );
	save_settings( array( 'token' => '' ) );
	new_order( 2 );
	checkout()->save_classic( 2, classic_post() );
	checkout()->placed( 2 );

	assert_same( array(), WP_Stub::$cron );
}

function test_the_block_checkout_registers_the_number_and_a_box_per_purpose_on_the_order() {
	checkout()->register_block_fields();

	assert_same( array( 'balas-whatsapp/number', 'balas-whatsapp/order_updates', 'balas-whatsapp/promotions' ), array_column( WP_Stub::$block_fields, 'id' ) );
	assert_same( array( 'order', 'order', 'order' ), array_column( WP_Stub::$block_fields, 'location' ) );
	assert_same( array( 'text', 'checkbox', 'checkbox' ), array_column( WP_Stub::$block_fields, 'type' ) );
	assert_same( array( 'WhatsApp number', ORDER_UPDATES_WORDING, PROMOTIONS_WORDING ), array_column( WP_Stub::$block_fields, 'label' ) );
	assert_same( 'tel', WP_Stub::$block_fields[0]['attributes']['autocomplete'] );
}

function test_the_block_checkout_refuses_a_box_without_a_number() {
	$errors = new WP_Error();

	checkout()->validate_block(
		$errors,
		array(
			'balas-whatsapp/number'     => '',
			'balas-whatsapp/promotions' => true,
		)
	);

	assert_same( array( 'Enter your WhatsApp number to receive messages there.' ), $errors->get_error_messages() );
}

function test_the_block_checkout_accepts_a_valid_choice() {
	$errors = new WP_Error();

	checkout()->validate_block(
		$errors,
		array(
			'balas-whatsapp/number'        => '+6281234567001',
			'balas-whatsapp/order_updates' => true,
			'balas-whatsapp/promotions'    => false,
		)
	);

	assert_same( array(), $errors->get_error_messages() );
}

function test_a_block_order_keeps_the_same_meta_as_a_classic_one_and_is_reported() {
	save_settings();
	$order = new_order( 88, 'TB-88' );
	// WooCommerce has written the order fields under its own keys.
	$order->meta['_wc_other/balas-whatsapp/number']        = '0812 3456 7001';
	$order->meta['_wc_other/balas-whatsapp/order_updates'] = true;
	$order->meta['_wc_other/balas-whatsapp/promotions']    = false;

	checkout()->save_block( $order );

	assert_same( '0812 3456 7001', $order->meta['_balas_whatsapp_number'] );
	assert_same( array( 'order_updates' => ORDER_UPDATES_WORDING ), $order->meta['_balas_whatsapp_consent']['purposes'] );
	assert_same( array( array( 'hook' => 'balas_whatsapp_report_consent', 'args' => array( 88, 1 ) ) ), cron_events() );
}

function test_woocommerces_personal_data_eraser_removes_the_number_and_the_consent() {
	save_settings();
	$order = new_order( 88, 'TB-88' );
	$order->meta['_wc_other/balas-whatsapp/number']        = '0812 3456 7001';
	$order->meta['_wc_other/balas-whatsapp/order_updates'] = true;
	$order->meta['_billing_first_name']                    = 'Budi';
	checkout()->save_block( $order );
	$order->meta['_balas_whatsapp_consent_reported'] = '2026-12-06T10:00:00+00:00';

	checkout()->forget( $order );

	assert_same( array( '_billing_first_name' ), array_keys( $order->meta ), 'only what is not the plugin\'s is left' );
}

function test_the_checkout_hooks_both_checkouts() {
	checkout()->register();

	foreach ( array( 'woocommerce_privacy_remove_order_personal_data', 'woocommerce_checkout_fields', 'woocommerce_after_checkout_validation', 'woocommerce_checkout_update_order_meta', 'woocommerce_checkout_order_processed', 'woocommerce_init', 'woocommerce_blocks_validate_location_order_fields', 'woocommerce_store_api_checkout_order_processed' ) as $hook ) {
		assert_same( 1, count( WP_Stub::$hooks[ $hook ] ?? array() ), $hook );
	}
}
